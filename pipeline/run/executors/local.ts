/**
 * Local executors: the node runs in this process, in this thread (`jobs` 1), in a Worker per
 * node (`jobs` > 1), or with `jobs` "auto": as many Workers as cores, each node's thread count
 * chosen from the cores and the nodes ready at once (one node: all cores; a grid level: one
 * thread per node, since a training step gains only 1.2-1.5x from a second thread; the cores an
 * even split leaves over go to the critical node, the one with the longest remaining path).
 * A fused group (nodes of one stage with `runGroup`) runs as one job in the same way, and is
 * split into as many jobs as there are slots. Every mode runs through the same pending-record
 * path as a cluster job; results do not depend on it.
 */
import type { Executor, NodeTask, TaskResult } from "./executor.ts";
import { type RunNodeContext, runPendingGroup } from "../run_node.ts";

/** Options of {@link localExecutor}. */
export type LocalExecutorOptions =
  & Omit<RunNodeContext, "inWorker" | "signal" | "reason" | "stage" | "env">
  & {
    /** Nodes at once; more than one runs each in its own Worker; "auto" fits the cores. */
    jobs: number | "auto";
    /** Cores to fill with `jobs` "auto" (default: the machine's). */
    cores?: number;
    /** Environment variable of the stages' thread count (absent: threads are not chosen). */
    threadsEnv?: string;
    /** Threads per node fixed by the user (`--threads`); "auto" then fits jobs to it. */
    threads?: number;
  };

/**
 * Jobs and threads per node for `concurrency` ready nodes on `cores` cores. The cores an even
 * split leaves over (5 ready nodes on 8 cores: 3) go to the critical node's threads.
 */
export function autoShape(
  concurrency: number,
  cores: number,
  fixedThreads?: number,
  critical = false,
): { jobs: number; threads: number } {
  if (fixedThreads) {
    return { jobs: Math.max(1, Math.floor(cores / fixedThreads)), threads: fixedThreads };
  }
  const jobs = Math.max(1, Math.min(cores, concurrency));
  const even = Math.max(1, Math.floor(cores / jobs));
  return { jobs, threads: critical ? Math.max(even, cores - even * (jobs - 1)) : even };
}

/** An executor that runs nodes on this machine. */
export function localExecutor(opts: LocalExecutorOptions): Executor {
  const cores = Math.max(1, opts.cores ?? navigator.hardwareConcurrency ?? 1);
  const auto = opts.jobs === "auto";
  const slots = auto
    ? autoShape(Infinity, cores, opts.threads).jobs
    : Math.max(1, opts.jobs as number);
  return {
    name: auto ? "auto" : slots > 1 ? "workers" : "in-process",
    slots,
    async run(task: NodeTask, signal: AbortSignal): Promise<TaskResult> {
      return (await this.runGroup!([task], signal))[0];
    },
    async runGroup(tasks: readonly NodeTask[], signal: AbortSignal): Promise<TaskResult[]> {
      const task = tasks[0];
      // "auto": a node alone runs here with all cores (no Worker start-up cost); nodes that
      // run side by side each get a Worker with its share of the cores.
      const shape = autoShape(task.concurrency, cores, opts.threads, task.critical);
      const inWorker = auto ? shape.jobs > 1 : slots > 1;
      const env = auto && inWorker && opts.threadsEnv
        ? { [opts.threadsEnv]: String(shape.threads) }
        : undefined;
      const r = await runPendingGroup(tasks.map((t) => t.key), {
        ...opts,
        inWorker,
        signal,
        reason: task.reason,
        ...(env ? { env } : {}),
        ...(inWorker ? {} : { stage: task.node.stage }),
      });
      return r.map((x) => ({ ran: x.ran }));
    },
    // A fused group is split over the slots, so that it still keeps every core busy.
    groupJobs: (n: number) => Math.min(n, slots),
  };
}
