/**
 * Job records: which cluster job currently works on a node key (`store/.jobs/<key>.json`), so
 * that a restarted controller finds the jobs a killed one submitted, and `status` can show them.
 */
import { join } from "node:path";
import { z } from "zod";
import { writeJsonAtomic } from "../../store/state.ts";
import type { Store } from "../../store/store.ts";

/** Schema of a job record. */
export const jobRecordSchema = z.strictObject({
  key: z.string().regex(/^[0-9a-f]{64}$/),
  node: z.string().max(4096),
  jobId: z.string().regex(/^\d+(_\d+)?$/),
  /** Submissions so far for this key that ended without an entry, by kind. */
  retries: z.number().int().min(0),
  requeues: z.number().int().min(0),
  submittedAt: z.string().max(64),
  /** The job's log: an absolute path, read only when it is the node's own log (job_files.ts). */
  log: z.string().max(4096).regex(/^\/[^\0]*\.log$/, "an absolute path to a .log file"),
  /** Size of the log when this job was submitted (earlier attempts' lines come before). */
  logFrom: z.number().int().min(0),
});

/** Largest job record read. */
export const MAX_RECORD_BYTES = 64 * 1024;

/** A job record. */
export type JobRecord = z.infer<typeof jobRecordSchema>;

/** Folder of job records and their locks. */
export function jobsDir(store: Store): string {
  return join(store.dir, ".jobs");
}

/** Path of the job record of `key`. */
export function jobRecordPath(store: Store, key: string): string {
  return join(jobsDir(store), `${key}.json`);
}

/** Reads the job record of `key`; null when none (an unreadable one is reported). */
export async function readJobRecord(store: Store, key: string): Promise<JobRecord | null> {
  const path = jobRecordPath(store, key);
  let text: string;
  try {
    const st = await Deno.lstat(path);
    if (!st.isFile) throw new Error(`${path}: not a regular file (a link?); remove it`);
    if (st.size > MAX_RECORD_BYTES) {
      throw new Error(`${path}: ${st.size} bytes, more than a job record's ${MAX_RECORD_BYTES}`);
    }
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = jobRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${path}: field ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return parsed.data;
}

/** Writes a job record atomically. */
export async function writeJobRecord(store: Store, rec: JobRecord): Promise<void> {
  await writeJsonAtomic(jobRecordPath(store, rec.key), rec);
}

/** Removes the job record of `key` (no error when there is none). */
export async function removeJobRecord(store: Store, key: string): Promise<void> {
  await Deno.remove(jobRecordPath(store, key)).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}
