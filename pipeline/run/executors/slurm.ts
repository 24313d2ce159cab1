/**
 * The SLURM executor: every ready node becomes one `sbatch` job that runs `run-node <key>` on
 * whichever machine SLURM picks, and a fused group (a grid level, or each `--fuse-max` chunk of
 * it) one job that runs `run-node <key> <key> ...`; the store (on the cluster's shared
 * filesystem) is the only source of truth.
 *
 * - A node is done when its entry is committed, never because a job "succeeded"; a group's job
 *   is done when every member's entry is, and is resubmitted with the members still missing.
 * - `squeue` (and `sacct` when accounting works) is used only to notice a job that ended
 *   without an entry. A failed or empty status answer proves nothing: a job counts as ended
 *   only after `goneAfterPolls` consecutive successful answers without it, and the store is
 *   looked at once more before acting. Even a wrong verdict cannot run a node twice: the
 *   second job waits on the entry's lock and then finds the entry.
 * - Ended without an entry: preemption and time limits are resubmitted (the stage resumes from
 *   its checkpoint) up to `maxRequeues`; other endings up to `maxRetries`, the reason logged;
 *   a refusal (code changed under the run) is not retried.
 * - One controller per key at a time (a heartbeat lock beside the job record); a restarted
 *   controller adopts the job a killed one submitted.
 * - On abort (Ctrl-C) every job of this run is cancelled with `scancel`.
 */
import { join } from "node:path";
import type { Executor, NodeTask, TaskResult } from "./executor.ts";
import { acquireLock } from "../../store/lock.ts";
import type { Store } from "../../store/store.ts";
import {
  type JobRecord,
  jobsDir,
  readJobRecord,
  removeJobRecord,
  writeJobRecord,
} from "./job_record.ts";
import { resourcesFor, sbatchArgs, type SlurmConfig } from "./slurm_config.ts";
import { prepareJobLog, readLogTail, sbatchStdin, writeJobScript } from "./job_files.ts";

/** What the SLURM executor needs besides its config. */
export interface SlurmContext {
  store: Store;
  /** Repository root: the job's working directory. */
  root: string;
  /** Command that runs the tool's CLI in a job, before `run-node <key>`. */
  command: string[];
  /** Folder of job logs (`<node>.log`). */
  logsDir: string;
  /** Environment variables set in the job (e.g. threads per node). */
  env?: Record<string, string>;
  log: (line: string) => void;
}

/** State of a job as `squeue` reports it. */
export type JobState = { alive: true; state: string } | { alive: false };

/** Runs a command; never throws for a non-zero exit. */
async function cmd(
  path: string,
  args: string[],
): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const o = await new Deno.Command(path, { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { ok: o.success, out: dec.decode(o.stdout), err: dec.decode(o.stderr).trim() };
  } catch (e) {
    return { ok: false, out: "", err: (e as Error).message };
  }
}

/** Quotes a value for a POSIX shell (single quotes; embedded ones escaped). */
export function shellQuote(v: string): string {
  return `'${v.replaceAll("'", `'\\''`)}'`;
}

/** A log file name for a node id (`/` and `%` would mean something to the filesystem/sbatch). */
export function logName(nodeId: string): string {
  return `${nodeId.replace(/[\/\0]/g, "_")}.log`;
}

/** The batch script of one node (or of a fused group's nodes): every value single-quoted. */
export function batchScript(opts: {
  nodeId: string;
  keys: readonly string[];
  root: string;
  command: string[];
  env: Record<string, string>;
}): string {
  const lines = [
    "#!/bin/bash",
    `# node ${JSON.stringify(opts.nodeId)}, key ${opts.keys.join(" ")}`,
    "set -eu",
    `cd ${shellQuote(opts.root)}`,
  ];
  for (const [k, v] of Object.entries(opts.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad environment name "${k}"`);
    lines.push(`export ${k}=${shellQuote(v)}`);
  }
  lines.push(`exec ${[...opts.command, "run-node", ...opts.keys].map(shellQuote).join(" ")}`);
  return lines.join("\n") + "\n";
}

/** Polls `squeue` once per interval for every job the executor waits on. */
class QueuePoller {
  #answers = 0;
  #last: Map<string, string> | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters = new Set<() => void>();
  #failing = false;
  constructor(
    private readonly squeue: string,
    private readonly intervalMs: number,
    private readonly log: (l: string) => void,
  ) {}

  /** Count of successful answers so far (a job is judged only on answers after it was seen). */
  get answers(): number {
    return this.#answers;
  }

  /** The job's state in the last successful answer; null before any. */
  state(jobId: string): JobState | null {
    if (!this.#last) return null;
    const s = this.#last.get(jobId);
    return s ? { alive: true, state: s } : { alive: false };
  }

  /** Resolves after the next poll (successful or not). */
  next(): Promise<void> {
    this.#start();
    return new Promise((r) => this.#waiters.add(r));
  }

  async #poll(): Promise<void> {
    const r = await cmd(this.squeue, ["--me", "--noheader", "--format=%i %T"]);
    if (r.ok) {
      const m = new Map<string, string>();
      for (const line of r.out.split("\n")) {
        const [id, state] = line.trim().split(/\s+/);
        if (id && state) m.set(id, state);
      }
      this.#last = m;
      this.#answers++;
      if (this.#failing) this.log(`squeue answers again`);
      this.#failing = false;
    } else if (!this.#failing) {
      // A failed answer proves nothing about any job; keep the last verdicts and retry.
      this.log(`squeue failed (${r.err || "no message"}); retrying, no job is judged meanwhile`);
      this.#failing = true;
    }
    const ws = [...this.#waiters];
    this.#waiters.clear();
    for (const w of ws) w();
  }

  #start(): void {
    if (this.#timer !== undefined) return;
    const tick = async () => {
      await this.#poll();
      this.#timer = this.#waiters.size > 0 ? setTimeout(tick, this.intervalMs) : undefined;
    };
    this.#timer = setTimeout(tick, this.intervalMs);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of this.#waiters) w();
    this.#waiters.clear();
  }
}

/** Why a job ended without an entry, as far as can be told. */
interface Ending {
  kind: "requeue" | "retry" | "refused";
  reason: string;
}

/** Creates the SLURM executor. */
export function slurmExecutor(cfg: SlurmConfig, ctx: SlurmContext): Executor {
  const bin = {
    sbatch: cfg.commands.sbatch ?? "sbatch",
    squeue: cfg.commands.squeue ?? "squeue",
    scancel: cfg.commands.scancel ?? "scancel",
    sacct: cfg.commands.sacct ?? "sacct",
  };
  const poller = new QueuePoller(bin.squeue, cfg.pollSeconds * 1000, ctx.log);
  /** Jobs of this run not known to be finished: job id -> the keys it runs. */
  const mine = new Map<string, readonly string[]>();
  let sacctWorks: boolean | null = null;

  /**
   * Submits one job for `tasks` (one node, or the members of a fused group still missing),
   * named and logged after the first, and records it for each of them.
   */
  async function submit(
    tasks: readonly NodeTask[],
    prev: JobRecord | null,
    kind?: Ending["kind"],
  ): Promise<JobRecord> {
    const first = tasks[0];
    const log = join(ctx.logsDir, logName(first.node.id));
    const res = resourcesFor(cfg, first.node.stage.name);
    const env = { ...(ctx.env ?? {}) };
    const script = batchScript({
      nodeId: first.node.id,
      keys: tasks.map((t) => t.key),
      root: ctx.root,
      command: ctx.command,
      env,
    });
    // Kept for reading in a private folder; sbatch reads the text on stdin (job_files.ts).
    await writeJobScript(jobsDir(ctx.store), first.key, script);
    const logFrom = await prepareJobLog(ctx.logsDir, log);
    const name = tasks.length > 1 ? `${first.node.id}+${tasks.length - 1}` : first.node.id;
    const args = [
      "--parsable",
      `--job-name=${name}`,
      `--output=${log.replaceAll("%", "%%")}`,
      "--open-mode=append",
      `--chdir=${ctx.root}`,
      ...sbatchArgs(res),
    ];
    const r = await sbatchStdin(bin.sbatch, args, script);
    if (!r.ok) throw new Error(`sbatch failed for node "${first.node.id}": ${r.err}`);
    const jobId = r.out.trim().split(";")[0];
    let rec: JobRecord | null = null;
    for (const t of tasks) {
      rec = {
        key: t.key,
        logFrom,
        node: first.node.id,
        jobId,
        retries: (prev?.retries ?? 0) + (kind === "retry" ? 1 : 0),
        requeues: (prev?.requeues ?? 0) + (kind === "requeue" ? 1 : 0),
        submittedAt: new Date().toISOString(),
        log,
      };
      await writeJobRecord(ctx.store, rec);
    }
    mine.set(jobId, tasks.map((t) => t.key));
    const what = tasks.length > 1 ? ` for ${tasks.length} fused nodes` : "";
    ctx.log(`[${first.node.id}] submitted job ${jobId}${what} (${first.reason}); log ${log}`);
    return rec!;
  }

  async function ending(rec: JobRecord): Promise<Ending> {
    let sacctState = "";
    if (sacctWorks !== false) {
      const r = await cmd(bin.sacct, ["-j", rec.jobId, "-X", "-n", "-P", "-o", "State"]);
      sacctWorks = r.ok;
      if (r.ok) sacctState = r.out.trim().split("\n")[0] ?? "";
    }
    // A record's log path is read only when it is the node's own log (never a planted path).
    const tail = await readLogTail(rec.log, join(ctx.logsDir, logName(rec.node)), rec.logFrom);
    if (/refusing to run|pending record .*: /.test(tail)) {
      return { kind: "refused", reason: lastErrorLine(tail) };
    }
    if (/PREEMPT|TIMEOUT|DUE TO TIME LIMIT|DUE TO PREEMPTION|NODE_FAIL/.test(sacctState + tail)) {
      return { kind: "requeue", reason: sacctState || lastErrorLine(tail) };
    }
    return { kind: "retry", reason: sacctState || lastErrorLine(tail) || "no message in its log" };
  }

  /** Whether every task's entry is committed. */
  async function allCommitted(tasks: readonly NodeTask[]): Promise<boolean> {
    for (const t of tasks) if (!(await ctx.store.readManifest(t.key))) return false;
    return true;
  }

  /** The tasks whose entries are not committed yet. */
  async function missing(tasks: readonly NodeTask[]): Promise<NodeTask[]> {
    const out: NodeTask[] = [];
    for (const t of tasks) if (!(await ctx.store.readManifest(t.key))) out.push(t);
    return out;
  }

  /**
   * Submits (or adopts) the job of `tasks` and watches it until every entry is committed,
   * resubmitting the missing members when it ends without them (see the module comment).
   */
  async function watchGroup(
    tasks: readonly NodeTask[],
    signal: AbortSignal,
    lost: AbortSignal,
  ): Promise<TaskResult[]> {
    const result = (ran: boolean) => tasks.map(() => ({ ran }));
    const todo = await missing(tasks);
    for (const t of tasks) if (!todo.includes(t)) await removeJobRecord(ctx.store, t.key);
    if (todo.length === 0) return result(false);
    const label = todo[0].node.id;
    // A restarted controller adopts the job an earlier one submitted for these members.
    const records = await Promise.all(todo.map((t) => readJobRecord(ctx.store, t.key)));
    let rec: JobRecord;
    const adopted = records[0];
    if (adopted && records.every((r) => r?.jobId === adopted.jobId)) {
      rec = adopted;
      mine.set(rec.jobId, todo.map((t) => t.key));
      ctx.log(`[${label}] found job ${rec.jobId} from an earlier controller`);
    } else rec = await submit(todo, null);
    const aborted = abortPromise(signal);
    aborted.catch(() => {});
    let seenAt = poller.answers;
    let absent = 0;
    let lastState = "";
    while (true) {
      signal.throwIfAborted();
      if (lost.aborted) throw lost.reason;
      if (await allCommitted(todo)) {
        mine.delete(rec.jobId);
        for (const t of todo) await removeJobRecord(ctx.store, t.key);
        return tasks.map((t) => ({ ran: todo.includes(t) }));
      }
      await Promise.race([poller.next(), aborted]);
      if (poller.answers === seenAt) continue; // failed answer: judge nothing
      seenAt = poller.answers;
      const st = poller.state(rec.jobId)!;
      if (st.alive) {
        absent = 0;
        if (st.state !== lastState) {
          ctx.log(`[${label}] job ${rec.jobId} ${st.state.toLowerCase()}`);
          lastState = st.state;
        }
        continue;
      }
      if (++absent < cfg.goneAfterPolls) continue;
      // Ended. The store decides: look again after one more interval (shared filesystems
      // may show another machine's rename late).
      await Promise.race([poller.next(), aborted]);
      if (await allCommitted(todo)) continue;
      mine.delete(rec.jobId);
      const end = await ending(rec);
      const used = end.kind === "requeue" ? rec.requeues : rec.retries;
      const limit = end.kind === "requeue" ? cfg.maxRequeues : cfg.maxRetries;
      const left = await missing(todo);
      if (end.kind === "refused" || used >= limit) {
        for (const t of todo) await removeJobRecord(ctx.store, t.key);
        throw new Error(
          `node "${left[0].node.id}"${left.length > 1 ? ` and ${left.length - 1} more` : ""}: ` +
            `job ${rec.jobId} ended without an entry (${end.reason})` +
            (end.kind === "refused" ? "" : `; ${used} resubmission(s) used`) +
            `; log ${rec.log}`,
        );
      }
      ctx.log(
        `[${label}] job ${rec.jobId} ended without an entry (${end.reason}); ` +
          `resubmitting (${end.kind} ${used + 1} of ${limit})`,
      );
      for (const t of todo) if (!left.includes(t)) await removeJobRecord(ctx.store, t.key);
      rec = await submit(left, rec, end.kind);
      absent = 0;
      lastState = "";
    }
  }

  return {
    name: "slurm",
    slots: cfg.maxJobs,
    async run(task: NodeTask, signal: AbortSignal): Promise<TaskResult> {
      return (await this.runGroup!([task], signal))[0];
    },
    // A fused group is one job (or one per `--fuse-max` chunk).
    groupJobs: () => 1,
    async runGroup(tasks: readonly NodeTask[], signal: AbortSignal): Promise<TaskResult[]> {
      // Each member's own controller lock, taken in key order so two controllers never wait
      // on each other.
      const locks = [];
      try {
        for (const t of [...tasks].sort((a, b) => a.key.localeCompare(b.key))) {
          locks.push(
            await acquireLock(join(jobsDir(ctx.store), `${t.key}.lock`), {
              what: `node "${t.node.id}" (another controller manages its job)`,
              signal,
            }),
          );
        }
        return await watchGroup(tasks, signal, AbortSignal.any(locks.map((l) => l.lost)));
      } finally {
        for (const l of locks) await l.release();
      }
    },
    async close(aborted: boolean): Promise<void> {
      poller.stop();
      if (!aborted || mine.size === 0) return;
      const ids = [...mine.keys()];
      const r = await cmd(bin.scancel, ids);
      ctx.log(
        r.ok
          ? `cancelled ${ids.length} job(s) of this run: ${ids.join(", ")}`
          : `scancel failed for ${ids.join(", ")}: ${r.err}`,
      );
      for (const keys of mine.values()) {
        for (const key of keys) await removeJobRecord(ctx.store, key);
      }
      mine.clear();
    },
  };
}

/** Asks `squeue` about jobs by id (for `status`); null when it cannot answer. */
export async function queueStates(
  jobIds: string[],
  squeue = "squeue",
): Promise<Map<string, string> | null> {
  if (jobIds.length === 0) return new Map();
  const r = await cmd(squeue, ["--me", "--noheader", "--format=%i %T"]);
  if (!r.ok) return null;
  const want = new Set(jobIds);
  const m = new Map<string, string>();
  for (const line of r.out.split("\n")) {
    const [id, state] = line.trim().split(/\s+/);
    if (id && state && want.has(id)) m.set(id, state);
  }
  return m;
}

function abortPromise(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function lastErrorLine(tail: string): string {
  const lines = tail.split("\n").map((l) => l.trim()).filter(Boolean);
  const err = lines.filter((l) => /error|CANCELLED|refusing|failed/i.test(l)).pop();
  return (err ?? lines.pop() ?? "").slice(0, 300);
}
