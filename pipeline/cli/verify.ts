/**
 * `verify`: every stored output re-hashed against its manifest (with `--repair`, failing entries
 * quarantined), or a bundle checked offline.
 */
import type { Command } from "@commander-js/extra-typings";
import type { Project } from "../graph/project.ts";
import { Store } from "../store/store.ts";
import { repairStore, verifyStore } from "../store/verify.ts";
import { DEFAULT_LIMITS } from "../bundle/archive.ts";
import { runVerifyBundle } from "./bundle.ts";
import { positiveInt } from "./options.ts";

/** `verify`: re-hashes the store (optionally quarantining bad entries), or checks a bundle. */
export function registerVerify(program: Command, p: Project): void {
  program.command("verify")
    .description(
      "re-hash every stored output against its manifest; or check a bundle offline (--bundle)",
    )
    .option("--json", "machine-readable output")
    .option("--bundle <file>", "verify this bundle instead of the store (works offline)")
    .option(
      "--repair",
      "move entries that fail to store/.quarantine/ (with a note); the next reproduce rebuilds them",
    )
    .option(
      "--max-bytes <n>",
      `refuse a bundle that unpacks to more bytes (default ${DEFAULT_LIMITS.maxBytes})`,
      (v) => positiveInt(v, "--max-bytes"),
    )
    .option(
      "--expect-root <digest>",
      "with --bundle: refuse a bundle whose root is not this published digest",
    )
    .option(
      "--allowed-signers <file>",
      "with --bundle: the bundle's ROOT.sig must be an SSH signature by a key of this file",
    )
    .option(
      "--rerun <n>",
      "with --bundle, in the checkout: also rerun n randomly chosen stages and compare bytes",
      (v) => positiveInt(v, "--rerun"),
    )
    .option(
      "--rerun-stage <name>",
      "with --bundle, in the checkout: rerun this stage (or node) and compare bytes (repeatable)",
      (v, prev: string[] = []) => [...prev, v],
    )
    .action(async (f) => {
      if (f.bundle) {
        const code = await runVerifyBundle(p, f.bundle, {
          json: f.json,
          maxBytes: f.maxBytes,
          expectRoot: f.expectRoot,
          allowedSigners: f.allowedSigners,
          rerun: f.rerun,
          rerunStage: f.rerunStage,
        });
        Deno.exitCode = code || Deno.exitCode || 0;
        return;
      }
      const store = new Store(p.artifactsRoot);
      const report = await verifyStore(store);
      const repaired = f.repair ? await repairStore(store, report) : [];
      if (f.json) console.log(JSON.stringify({ ...report, repaired }, null, 2));
      else {
        for (const pr of report.problems) {
          console.error(
            `${pr.problem}: ${pr.file}${
              pr.expected
                ? ` (expected ${pr.expected}, got ${pr.actual})`
                : pr.actual
                ? ` (${pr.actual})`
                : ""
            }`,
          );
        }
        console.log(
          `verified ${report.entries} entries, ${report.files} files, ${
            (report.bytes / 1e6).toFixed(1)
          } MB: ${report.problems.length} problem(s)`,
        );
        for (const r of repaired) {
          console.log(
            `quarantined ${r.key}${r.movedTo ? ` to ${r.movedTo}` : " (already gone)"}`,
          );
        }
        if (repaired.length > 0) {
          console.log(`repaired: the next reproduce rebuilds ${repaired.length} entry(ies)`);
        }
      }
      if (report.problems.length > 0 && !f.repair) Deno.exitCode = 1;
    });
}
