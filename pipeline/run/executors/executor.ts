/**
 * The executor seam: the runner decides *what* runs (which nodes, in which order, with which
 * keys); an executor decides *where* (this thread, local Workers, a cluster). Every executor
 * runs a node through its pending record (`pending.ts`) and `run_node.ts`, and a node counts as
 * done only when its entry is committed in the store.
 */
import type { GraphNode } from "../../graph/graph.ts";
import type { PendingRecord } from "../pending.ts";

/** One node handed to an executor; its pending record is already in the store. */
export interface NodeTask {
  key: string;
  node: GraphNode;
  record: PendingRecord;
  /** Why it runs (for logs). */
  reason: string;
  /** Nodes ready or running (this one included) when it was handed over. */
  concurrency: number;
  /**
   * No node ready or running has a longer remaining path: an executor that divides cores among
   * nodes gives this one the cores the others leave.
   */
  critical?: boolean;
}

/** What an executor reports for a finished task. */
export interface TaskResult {
  /** False when the entry was committed by someone else (nothing ran for this task). */
  ran: boolean;
}

/** Where nodes run. */
export interface Executor {
  /** Name shown in logs ("in-process", "workers", "slurm"). */
  readonly name: string;
  /** Nodes in flight at once. */
  readonly slots: number;
  /** Runs the task until its entry is committed; rejects when it cannot be. */
  run(task: NodeTask, signal: AbortSignal): Promise<TaskResult>;
  /**
   * Runs the tasks of a fused group (nodes of one stage with `runGroup`) as one job until every
   * entry is committed. Absent: this executor cannot, and the runner runs them one by one.
   */
  runGroup?(tasks: readonly NodeTask[], signal: AbortSignal): Promise<TaskResult[]>;
  /**
   * How many jobs a fused group of `n` nodes becomes before any `--fuse-max` limit (local: as
   * many as its slots, so the group still fills the cores; a cluster: one).
   */
  groupJobs?(n: number): number;
  /** Called once when the run ends; `aborted` when it was interrupted or failed. */
  close?(aborted: boolean): Promise<void>;
}
