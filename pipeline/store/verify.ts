/**
 * `verify`: re-hashes every stored output and compares it with its entry's manifest;
 * `verify --repair` quarantines the entries that fail (the next run rebuilds them).
 */
import { join } from "node:path";
import { checkFile } from "./file_check.ts";
import type { Store } from "./store.ts";
import { CorruptEntry, regularFileProblem } from "./entry.ts";

/** One problem found in the store. */
export interface VerifyProblem {
  key: string;
  /** Path of the offending file. */
  file: string;
  problem:
    | "hash mismatch"
    | "size mismatch"
    | "missing"
    | "not a regular file"
    | "corrupt manifest";
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
      if (!(e instanceof CorruptEntry)) throw e;
      report.problems.push({ key, file: e.path, problem: "corrupt manifest", actual: e.reason });
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
      const kind = await regularFileProblem(store.entryDir(key), name);
      const problem = kind ? { file, problem: kind } : await checkFile(file, rec, { fresh: true });
      if (problem?.problem !== "missing") {
        report.files++;
        report.bytes += rec.size;
      }
      if (problem) report.problems.push({ key, ...problem });
    }
  }
  return report;
}

/** What `verify --repair` did with one bad entry. */
export interface RepairAction {
  key: string;
  /** Where the entry was moved (null when it had already gone). */
  movedTo: string | null;
  problems: VerifyProblem[];
}

/**
 * Moves every entry with a problem to `store/.quarantine/` (with a note of what failed), so
 * that the next `reproduce` rebuilds it from its inputs.
 */
export async function repairStore(store: Store, report: VerifyReport): Promise<RepairAction[]> {
  const byKey = new Map<string, VerifyProblem[]>();
  for (const p of report.problems) byKey.set(p.key, [...(byKey.get(p.key) ?? []), p]);
  const actions: RepairAction[] = [];
  for (const [key, problems] of byKey) {
    const movedTo = await store.quarantine(key, { reason: "verify --repair", problems });
    actions.push({ key, movedTo, problems });
  }
  return actions;
}
