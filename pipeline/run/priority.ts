/**
 * Critical path first: which ready node gets the next free slot. A node's priority is its
 * longest remaining path (its cost plus the costliest chain downstream of it), priced by the
 * project's cost model where there is one, else one per node; ties go to the earlier node of
 * the graph's order, so the order is deterministic. The gate hands a free slot out only once
 * every node whose inputs are done has either queued or turned out not to need one: a node
 * that has just finished makes its downstream ready before its slot goes to anyone, so a chain
 * is never overtaken by the short nodes that happened to queue first.
 */
import { type CostModel, remainingPaths } from "../graph/estimate.ts";
import type { GraphNode } from "../graph/graph.ts";

/**
 * Each node's priority among `nodes` (topological order): its longest remaining path. A node
 * the cost model cannot price counts as the median priced node; without a cost model, or with
 * nothing priced, every node counts 1.
 */
export function nodePriorities(
  nodes: readonly GraphNode[],
  cost?: CostModel,
): Map<string, number> {
  const priced = new Map<string, number | null>(
    nodes.map((n) => [n.id, cost ? cost(n).seconds : 1]),
  );
  const known = [...priced.values()].filter((s): s is number => s !== null).sort((a, b) => a - b);
  const fallback = known.length > 0 ? known[Math.floor(known.length / 2)] : 1;
  return remainingPaths(nodes, (id) => priced.get(id) ?? fallback);
}

/** A counting semaphore over slots that grants the highest priority first (see the module). */
export class PriorityGate {
  #free: number;
  #preparing = 0;
  #waiting: { priority: number; rank: number; grant: () => void }[] = [];

  constructor(slots: number) {
    this.#free = slots;
  }

  /** A node's inputs are done: no slot is handed out until it queues or needs none. */
  prepare(): void {
    this.#preparing++;
  }

  /** A prepared node needs no slot (cached, a dry run, or it failed before queueing). */
  unprepare(): void {
    this.#preparing--;
    this.#dispatch();
  }

  /** Queues a prepared node; resolves once it holds a slot (give it back with `release`). */
  acquire(priority: number, rank: number): Promise<void> {
    const granted = new Promise<void>((grant) => this.#waiting.push({ priority, rank, grant }));
    this.#preparing--;
    this.#dispatch();
    return granted;
  }

  /** Gives a slot back. */
  release(): void {
    this.#free++;
    this.#dispatch();
  }

  #dispatch(): void {
    if (this.#preparing > 0) return;
    this.#waiting.sort((a, b) => b.priority - a.priority || a.rank - b.rank);
    while (this.#free > 0 && this.#waiting.length > 0) {
      this.#free--;
      this.#waiting.shift()!.grant();
    }
  }
}
