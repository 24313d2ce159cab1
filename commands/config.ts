/**
 * `amr config show [target flags]`: the fully resolved profile, each value with its source (a
 * file of the `extends` chain, `--set`, the schema's default, or a tuned choice).
 */
import type { Command } from "@commander-js/extra-typings";
import {
  type Project,
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
      const r = await ctx.resolveProfile(toTargetOptions(ctx.project, f));
      const rows = configRows(r);
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
