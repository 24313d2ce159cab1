/**
 * `amr config show [target flags]`: the fully resolved profile, each value with its source (a
 * file of the `extends` chain, `--set`, the schema's default, or a tuned choice). A tuned value
 * whose selection has run (its entry for this target is in the store) is shown as chosen, read
 * from that entry's `chosen.json`; otherwise the row says what the target's last run chose, if
 * its entry is still in the store.
 */
import type { Command } from "@commander-js/extra-typings";
import {
  type Project,
  readState,
  Store,
  type Target,
  targetFreshKeys,
  type TargetOptions,
  toTargetOptions,
  withTargetOptions,
} from "../pipeline/mod.ts";
import {
  type ConfigRow,
  configRows,
  type ResolvedProfile,
  type TunedPath,
} from "../config/profile_resolve.ts";

/** What `registerConfigCommands` needs from the project. */
export interface ConfigCommandContext {
  project: Project;
  resolveProfile: (opts: TargetOptions) => Promise<ResolvedProfile>;
}

/** A selection's entry: its store key and the values of its `chosen.json`. */
export interface Choice {
  key: string;
  values: Record<string, unknown>;
  /**
   * True for the entry the target's last run used when it is not the entry for the current
   * code, params and inputs (shown for information, never as the value).
   */
  stale?: boolean;
}

/** A row of `config show`, with the store key of the choice shown, if any. */
export interface ShownRow extends ConfigRow {
  /** The selection entry the value was read from (tuned values whose selection ran). */
  chosenFrom?: string;
}

/**
 * The rows with each tuned value replaced by its selection's choice where `choices` has one
 * (source `tuned: <node>`), else marked as not run yet (or `missing`, when the store could not
 * be looked at) with where the fallback comes from.
 */
export function withChoices(
  rows: readonly ConfigRow[],
  tuned: Readonly<Record<string, TunedPath>>,
  choices: ReadonlyMap<string, Choice>,
  missing = "not run yet",
): ShownRow[] {
  return rows.map((row) => {
    const t = tuned[row.path];
    if (!t) return row;
    const choice = choices.get(t.node);
    if (choice?.stale) {
      const last = Object.hasOwn(choice.values, t.field)
        ? `the last run chose ${JSON.stringify(choice.values[t.field])}`
        : `the last run's chosen.json has no ${t.field}`;
      return {
        ...row,
        source:
          `tuned by ${t.node} (no entry for the current code, settings and inputs; ${last}, store key ` +
          `${choice.key.slice(0, 12)}; value shown: fallback from ${t.fallback})`,
      };
    }
    if (choice && Object.hasOwn(choice.values, t.field)) {
      return {
        ...row,
        value: JSON.stringify(choice.values[t.field]),
        source: `tuned: ${t.node}`,
        chosenFrom: choice.key,
      };
    }
    const why = choice ? `its chosen.json has no ${t.field}` : missing;
    return {
      ...row,
      source: `tuned by ${t.node} (${why}; value shown: fallback from ${t.fallback})`,
    };
  });
}

async function readChosen(store: Store, key: string): Promise<Record<string, unknown>> {
  const file = store.outputPath(key, "chosen.json");
  const chosen = JSON.parse(await Deno.readTextFile(file)) as { values?: unknown };
  const values = chosen.values;
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new Error(`${file}: expected an object "values"`);
  }
  return values as Record<string, unknown>;
}

/**
 * The choices of the selections behind `tuned` (by node id): the entry for the target as it is
 * now where it exists, else the entry the target's last run used, if still in the store, marked
 * stale.
 */
async function readChoices(
  project: Project,
  target: Target,
  tuned: Readonly<Record<string, TunedPath>>,
): Promise<Map<string, Choice>> {
  const nodes = [...new Set(Object.values(tuned).map((t) => t.node))];
  const fresh = await targetFreshKeys(project, target, nodes);
  const last = (await readState(project.artifactsRoot, target.name)).nodes;
  const store = new Store(project.artifactsRoot);
  const out = new Map<string, Choice>();
  for (const node of nodes) {
    const key = fresh.get(node);
    if (key) out.set(node, { key, values: await readChosen(store, key) });
    else if (last[node] && await store.readManifest(last[node])) {
      out.set(node, { key: last[node], values: await readChosen(store, last[node]), stale: true });
    }
  }
  return out;
}

/** Adds the `config` command group. */
export function registerConfigCommands(program: Command, ctx: ConfigCommandContext): void {
  const config = program.command("config").description("the resolved run configuration");
  withTargetOptions(
    ctx.project,
    config.command("show").description(
      "print the resolved profile with each value's source (file, extends chain, --set, " +
        "schema default, tuned choice: the chosen value once its selection has run)",
    ),
  )
    .option("--json", "machine-readable output")
    .action(async (f) => {
      const opts = toTargetOptions(ctx.project, f);
      const r = await ctx.resolveProfile(opts);
      let choices = new Map<string, Choice>();
      let missing: string | undefined;
      if (Object.keys(r.tuned).length > 0) {
        let target: Target | null = null;
        try {
          target = await ctx.project.resolveTarget(opts);
        } catch (e) {
          // The profile resolves without its dataset; the graph (hence the selections'
          // entries) needs it, e.g. a dataset not fetched yet.
          console.error(`config show: tuned choices not looked up: ${(e as Error).message}`);
          missing = "choice not looked up";
        }
        if (target) choices = await readChoices(ctx.project, target, r.tuned);
      }
      const rows = withChoices(configRows(r), r.tuned, choices, missing);
      if (f.json) {
        console.log(JSON.stringify(
          { chain: r.chain, overrides: r.overrides, overridesHash: r.overridesHash, values: rows },
          null,
          2,
        ));
        return;
      }
      console.log(`profile ${r.profile.name}: ${r.chain.join(" -> extends ")}`);
      const sets = Object.entries(r.overrides);
      if (sets.length > 0) {
        console.log(
          `overrides (+set-${r.overridesHash}): ${
            sets.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")
          }`,
        );
      }
      const w = (k: "path" | "value") => Math.max(...rows.map((row) => row[k].length));
      const vw = Math.min(w("value"), 40);
      for (const row of rows) {
        console.log(`  ${row.path.padEnd(w("path"))}  ${row.value.padEnd(vw)}  ${row.source}`);
      }
    });
}
