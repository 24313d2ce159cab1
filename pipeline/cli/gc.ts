/**
 * `gc`: garbage collection of the store.
 */
import type { Command } from "@commander-js/extra-typings";
import type { Project } from "../graph/project.ts";
import { Store } from "../store/store.ts";
import { collectGarbage } from "../store/gc.ts";

/** `gc`: removes entries no recorded result uses, orphaned checkpoints and crash leftovers. */
export function registerGc(program: Command, p: Project): void {
  program.command("gc")
    .description("remove store entries no recorded result uses, and leftovers of crashed runs")
    .option("--dry-run", "list what would be removed")
    .action(async (f) => {
      const r = await collectGarbage(new Store(p.artifactsRoot), { dryRun: f.dryRun ?? false });
      for (const k of r.removed) console.log(`${f.dryRun ? "would remove" : "removed"} ${k}`);
      for (const c of r.checkpointsRemoved) {
        console.log(`${f.dryRun ? "would remove" : "removed"} orphaned checkpoint ${c}`);
      }
      if (r.checkpointsKept > 0) {
        console.log(
          `kept ${r.checkpointsKept} checkpoint(s) of interrupted runs (a rerun resumes)`,
        );
      }
      console.log(
        `kept ${r.kept} entries, ${
          f.dryRun ? "would remove" : "removed"
        } ${r.removed.length}, cleaned ${r.temporaries} temporary folder(s)`,
      );
    });
}
