/**
 * `amr config show [target flags]`: the fully resolved profile, each value with its source (a
 * file of the `extends` chain, `--set`, the schema's default, or a tuned choice). A tuned value
 * whose selection has run (its entry for this target is in the store) is shown as chosen, read
 * from that entry's `chosen.json`; otherwise the row says what the target's last run chose, if
 * its entry is still in the store.
 *
 * `amr config compare [target flags] --with PROFILE`: what two profiles' tuning chose on the
 * same dataset (say `paper` against `paper-fast`), selection by selection: each tuned value side
 * by side and the validation NDCG@10 of each choice, wherever both selections have run.
 */
import type { Command } from "@commander-js/extra-typings";
import {
  type Project,
  readFreshOutputs,
  readState,
  Store,
  type Target,
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
  /** The run it chose and its validation NDCG@10, when `chosen.json` records them. */
  best?: ChosenBest;
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

/** The chosen run of a selection: its id and validation NDCG@10 (absent in old files). */
export interface ChosenBest {
  label: string;
  ndcg10: number;
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

function parseChosen(
  text: string,
  file: string,
): { values: Record<string, unknown>; best?: ChosenBest } {
  const chosen = JSON.parse(text) as { values?: unknown; best?: unknown };
  const values = chosen.values;
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new Error(`${file}: expected an object "values"`);
  }
  const b = chosen.best as Partial<ChosenBest> | undefined;
  const best = b && typeof b.label === "string" && typeof b.ndcg10 === "number"
    ? { label: b.label, ndcg10: b.ndcg10 }
    : undefined;
  return { values: values as Record<string, unknown>, ...(best ? { best } : {}) };
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
  // Fresh entries are read hashed (an edited chosen.json is an error, never a value).
  const fresh = await readFreshOutputs(project, target, nodes, "chosen.json");
  const last = (await readState(project.artifactsRoot, target.name)).nodes;
  const store = new Store(project.artifactsRoot);
  const out = new Map<string, Choice>();
  for (const node of nodes) {
    const got = fresh.get(node);
    if (got) {
      const file = store.outputPath(got.key, "chosen.json");
      out.set(node, { key: got.key, ...parseChosen(new TextDecoder().decode(got.bytes), file) });
    } else if (last[node] && await store.readManifest(last[node])) {
      const file = store.outputPath(last[node], "chosen.json");
      out.set(node, {
        key: last[node],
        ...parseChosen(await Deno.readTextFile(file), file),
        stale: true,
      });
    }
  }
  return out;
}

/** One row of `config compare`: a tuned field under two profiles. */
export interface CompareRow {
  /** The selection node, e.g. `select-vbpr`. */
  node: string;
  /** The profile path, e.g. `models.vbpr.lr`. */
  path: string;
  /** JSON of each side's choice; null where that side's selection has not run. */
  a: string | null;
  b: string | null;
  /** Sides whose choice is the last run's entry, not one for the current code and inputs. */
  stale: ("a" | "b")[];
}

/**
 * The tuned fields of two targets side by side (the fields of `a`'s profile; a selection that
 * has not run gives null; one whose entry is only the last run's is named in `stale`).
 */
export function compareChoices(
  tuned: Readonly<Record<string, TunedPath>>,
  a: ReadonlyMap<string, Choice>,
  b: ReadonlyMap<string, Choice>,
): CompareRow[] {
  const value = (m: ReadonlyMap<string, Choice>, t: TunedPath) => {
    const c = m.get(t.node);
    return c && Object.hasOwn(c.values, t.field) ? JSON.stringify(c.values[t.field]) : null;
  };
  return Object.entries(tuned).map(([path, t]) => ({
    node: t.node,
    path,
    a: value(a, t),
    b: value(b, t),
    stale: (["a", "b"] as const).filter((side) => (side === "a" ? a : b).get(t.node)?.stale),
  }));
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
  withTargetOptions(
    ctx.project,
    config.command("compare").description(
      "what two profiles' tuning chose on the same dataset, side by side (e.g. --profile paper " +
        "--with paper-fast), with each choice's validation NDCG@10",
    ),
  )
    .requiredOption("--with <profile>", "the other profile (a name or a path)")
    .option("--json", "machine-readable output")
    .action(async (f) => {
      const optsA = toTargetOptions(ctx.project, f);
      const optsB = { ...optsA, profile: f.with };
      const [ra, rb] = [await ctx.resolveProfile(optsA), await ctx.resolveProfile(optsB)];
      const [ta, tb] = [
        await ctx.project.resolveTarget(optsA),
        await ctx.project.resolveTarget(optsB),
      ];
      const ca = await readChoices(ctx.project, ta, ra.tuned);
      const cb = await readChoices(ctx.project, tb, rb.tuned);
      const rows = compareChoices(ra.tuned, ca, cb);
      const nodes = [...new Set(rows.map((r) => r.node))];
      const best = (m: Map<string, Choice>, n: string) => {
        const c = m.get(n);
        return c?.best ? c.best : null;
      };
      if (f.json) {
        console.log(JSON.stringify(
          {
            a: { profile: ra.profile.name, target: ta.name },
            b: { profile: rb.profile.name, target: tb.name },
            rows,
            selections: nodes.map((n) => ({ node: n, a: best(ca, n), b: best(cb, n) })),
          },
          null,
          2,
        ));
        return;
      }
      const [na, nb] = [ra.profile.name, rb.profile.name];
      console.log(
        `${ta.name} (${na}) against ${tb.name} (${nb}); "-": not run; "*": the last run's ` +
          "choice, made before the code, settings or inputs changed",
      );
      const w = Math.max(...rows.map((r) => r.path.length), 5);
      const cell = (r: CompareRow, side: "a" | "b") =>
        `${r[side] ?? "-"}${r.stale.includes(side) ? "*" : ""}`.padEnd(24);
      console.log(`  ${"field".padEnd(w)}  ${na.padEnd(24)}  ${nb.padEnd(24)}`);
      for (const r of rows) {
        const same = r.a !== null && r.b !== null ? (r.a === r.b ? "same" : "differs") : "";
        console.log(`  ${r.path.padEnd(w)}  ${cell(r, "a")}  ${cell(r, "b")}  ${same}`);
      }
      const fmt = (b: ChosenBest | null) => (b ? `${b.ndcg10.toFixed(4)} (${b.label})` : "-");
      console.log("validation NDCG@10 of each choice (each on its own validation run):");
      for (const n of nodes) {
        console.log(`  ${n}: ${na} ${fmt(best(ca, n))}; ${nb} ${fmt(best(cb, n))}`);
      }
    });
}
