/**
 * Job status for `status`: the cluster job of each stale node that has one, and its state in
 * the queue (one `squeue` call for all of them).
 */
import type { Store } from "../../store/store.ts";
import { readJobRecord } from "./job_record.ts";
import { queueStates } from "./slurm.ts";

/** A node's job as `status` shows it. */
export interface JobStatus {
  jobId: string;
  /** "queued", "running", another SLURM state in lower case, or "not in queue". */
  state: string;
  log: string;
}

/** The jobs of the given node keys that have a job record; `squeue` unavailable: "unknown". */
export async function jobStatuses(store: Store, keys: string[]): Promise<Map<string, JobStatus>> {
  const recs = [];
  for (const key of keys) {
    const rec = await readJobRecord(store, key);
    if (rec) recs.push(rec);
  }
  const out = new Map<string, JobStatus>();
  if (recs.length === 0) return out;
  const states = await queueStates(recs.map((r) => r.jobId));
  for (const r of recs) {
    const s = states?.get(r.jobId);
    const state = !states
      ? "unknown (squeue failed)"
      : !s
      ? "not in queue"
      : s === "PENDING"
      ? "queued"
      : s.toLowerCase();
    out.set(r.key, { jobId: r.jobId, state, log: r.log });
  }
  return out;
}
