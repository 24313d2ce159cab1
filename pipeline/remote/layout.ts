/**
 * Where a run lies on a remote, and the run index that names it. Content addressed:
 *
 * - `objects/<sha256[0:2]>/<sha256>`: every file (store outputs, published results,
 *   `provenance.json`), by the hash of its content; an object is never sent twice.
 * - `entries/<key>.json`: an entry's `manifest.json`, sent after every object it names, so its
 *   presence means the entry is complete on the remote.
 * - `runs/<target>.json`: the run index, sent last: the target's state, its published results
 *   and the entries (closure) they came from, with each stage's code fingerprint.
 *
 * Everything read back is untrusted: names are built only from validated hashes, and the index
 * is parsed against its schema before any field is used.
 */
import { z } from "zod";
import { runStateSchema } from "../store/state.ts";

/** Format version of a run index. */
export const RUN_INDEX_FORMAT = 1;

const hex64Schema = z.string().regex(/^[0-9a-f]{64}$/, "not a sha256");

/** Schema of `runs/<target>.json`. */
export const runIndexSchema = z.object({
  format: z.literal(RUN_INDEX_FORMAT),
  tool: z.string(),
  target: z.string(),
  pushedAt: z.string(),
  state: runStateSchema,
  entries: z.record(hex64Schema, z.object({ node: z.string(), stage: z.string() })),
  results: z.record(z.string(), z.object({ sha256: hex64Schema, size: z.number().int().min(0) })),
  stages: z.record(z.string(), z.object({ module: z.string(), code: z.string() })),
});

/** A parsed run index. */
export type RunIndex = z.infer<typeof runIndexSchema>;

function hex(h: string): string {
  if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`"${h}" is not a sha256`);
  return h;
}

/** Object name of a file with content hash `sha256`. */
export function objectName(sha256: string): string {
  return `objects/${hex(sha256).slice(0, 2)}/${sha256}`;
}

/** Object name of the manifest of entry `key`. */
export function entryName(key: string): string {
  return `entries/${hex(key)}.json`;
}

/** Object name of a target's run index. */
export function runName(target: string): string {
  return `runs/${target.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`;
}
