/**
 * `verify`: re-hashes every stored output and compares it with its entry's manifest.
 */
import { join } from "node:path";
import { hashFile } from "./hash.ts";
import type { Store } from "./store.ts";

/** One problem found in the store. */
export interface VerifyProblem {
  key: string;
  /** Path of the offending file. */
  file: string;
  problem: "hash mismatch" | "size mismatch" | "missing" | "corrupt manifest";
  expected?: string;
  actual?: string;
}

/** Verification summary. */
export interface VerifyReport {
  entries: number;
  files: number;
  bytes: number;
  problems: VerifyProblem[];
}

/** Re-hashes all outputs of all entries (or of `keys`). */
export async function verifyStore(store: Store, keys?: string[]): Promise<VerifyReport> {
  const report: VerifyReport = { entries: 0, files: 0, bytes: 0, problems: [] };
  for (const key of keys ?? await store.keys()) {
    report.entries++;
    let manifest;
    try {
      manifest = await store.readManifest(key);
    } catch (e) {
      report.problems.push({
        key,
        file: join(store.entryDir(key), "manifest.json"),
        problem: "corrupt manifest",
        actual: (e as Error).message,
      });
      continue;
    }
    if (!manifest) {
      report.problems.push({
        key,
        file: join(store.entryDir(key), "manifest.json"),
        problem: "missing",
      });
      continue;
    }
    for (const [name, rec] of Object.entries(manifest.outputs)) {
      const file = store.outputPath(key, name);
      try {
        const got = await hashFile(file);
        report.files++;
        report.bytes += got.size;
        if (got.size !== rec.size) {
          report.problems.push({
            key,
            file,
            problem: "size mismatch",
            expected: String(rec.size),
            actual: String(got.size),
          });
        } else if (got.sha256 !== rec.sha256) {
          report.problems.push({
            key,
            file,
            problem: "hash mismatch",
            expected: rec.sha256,
            actual: got.sha256,
          });
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        report.problems.push({ key, file, problem: "missing" });
      }
    }
  }
  return report;
}
