/**
 * `amr config show [target flags]`: the fully resolved profile, each value with its source (a
 * file of the `extends` chain, `--set`, the schema's default, or a tuned choice). A tuned value
 * is only known once its selection has run: when the target's last run (its state file) has the
 * selection's entry in the store, the row shows the value that entry's `chosen.json` holds.
 */
import type { Command } from "@commander-js/extra-typings";
import {
  type Project,
  readState,
  Store,
  type TargetOptions,
  toTargetOptions,
  withTargetOptions,
} from "../pipeline/mod.ts";
import { configRows, type ResolvedProfile } from "../config/profile_resolve.ts";

/** What `registerConfigCommands` needs from the project. */
export interface ConfigCommandContext {
  project: Project;
  resolveProfile: (opts: TargetOptions) => Promise<ResolvedProfile>;
}

/** A tuned value as the target's last run chose it. */
interface LastChoice {
  /** The value in the selection's `chosen.json`. */
  value: unknown;
  /** Selection node. */
  node: string;
  /** Its store key in the target's last run. */
  key: string;
}

/**
 * Per tuned path of `r`, the value the target's last run chose: read from the `chosen.json` of
 * the selection's entry that the target's state records (absent: not run yet, or the entry is
 * no longer in the store).
 */
async function lastChoices(
  project: Project,
  opts: TargetOptions,
  r: ResolvedProfile,
): Promise<Record<string, LastChoice>> {
  const out: Record<string, LastChoice> = {};
  if (Object.keys(r.tunedFrom).length === 0) return out;
  const target = await project.resolveTarget(opts);
  const state = await readState(project.artifactsRoot, target.name);
  const store = new Store(project.artifactsRoot);
  for (const [path, { node, field }] of Object.entries(r.tunedFrom)) {
    const key = state.nodes[node];
    if (key === undefined) continue;
    const file = store.outputPath(key, "chosen.json");
    let chosen: { values?: Record<string, unknown> };
    try {
      chosen = JSON.parse(await Deno.readTextFile(file));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    if (chosen.values?.[field] === undefined) {
      throw new Error(`${file}: field "values.${field}" is missing`);
    }
    out[path] = { value: chosen.values[field], node, key };
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
        "schema default, tuned choice)",
    ),
  )
    .option("--json", "machine-readable output")
    .action(async (f) => {
      const opts = toTargetOptions(ctx.project, f);
      const r = await ctx.resolveProfile(opts);
      const chosen = await lastChoices(ctx.project, opts, r);
      const rows = configRows(r).map((row) => {
        const c = chosen[row.path];
        if (c === undefined) return row;
        return {
          ...row,
          source: `chosen in the last run: ${JSON.stringify(c.value)} (${c.node}/chosen.json, ` +
            `store key ${c.key.slice(0, 12)}); ${row.source}`,
        };
      });
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
