/**
 * Local executors: the node runs in this process, in this thread (`jobs` 1) or in a Worker per
 * node (`jobs` > 1), through the same pending-record path as a cluster job.
 */
import type { Executor, NodeTask, TaskResult } from "../executor.ts";
import { type RunNodeContext, runPendingNode } from "../run_node.ts";

/** Options of {@link localExecutor}. */
export type LocalExecutorOptions =
  & Omit<RunNodeContext, "inWorker" | "signal" | "reason" | "stage">
  & {
    /** Nodes at once; more than one runs each in its own Worker. */
    jobs: number;
  };

/** An executor that runs nodes on this machine. */
export function localExecutor(opts: LocalExecutorOptions): Executor {
  const jobs = Math.max(1, opts.jobs);
  return {
    name: jobs > 1 ? "workers" : "in-process",
    slots: jobs,
    async run(task: NodeTask, signal: AbortSignal): Promise<TaskResult> {
      const r = await runPendingNode(task.key, {
        ...opts,
        inWorker: jobs > 1,
        signal,
        reason: task.reason,
        ...(jobs > 1 ? {} : { stage: task.node.stage }),
      });
      return { ran: r.ran };
    },
  };
}
