/**
 * Cost before running (`reproduce --dry-run --estimate`): each stage's expected CPU time, the
 * total, and the wall time on N parallel slots. The engine only adds up and schedules; the
 * project's cost model says what one node costs, from measurements on this machine (earlier
 * runs' manifests, benchmarks), never from typed-in constants. A node it cannot price is
 * counted as unknown, not as zero. A node that may stop early (say, on a validation monitor)
 * has two prices: `seconds`, the bound it cannot exceed, and `expected`, what earlier runs
 * suggest; every figure is then given both ways.
 */
import type { GraphNode } from "./graph.ts";

/** The expected cost of one node. */
export interface NodeCost {
  /** CPU seconds on one slot, an upper bound; null when nothing measured prices it. */
  seconds: number | null;
  /**
   * Expected CPU seconds of a node that may stop early, from earlier runs (at most `seconds`);
   * absent: the node runs to its bound.
   */
  expected?: number;
  /** Where the figure comes from (e.g. "12 earlier runs", "a benchmark of 2026-12-03"). */
  source: string;
}

/** Prices one node. */
export type CostModel = (node: GraphNode) => NodeCost;

/** The estimate of one stage (all its nodes that would run). */
export interface StageEstimate {
  stage: string;
  nodes: number;
  /** Upper bound of the priced nodes' CPU seconds. */
  seconds: number;
  /** Expected CPU seconds of the priced nodes (equal to `seconds` when none stops early). */
  expected: number;
  /** Nodes of this stage without a price. */
  unknown: number;
  sources: string[];
}

/** The estimate of a run. */
export interface Estimate {
  stages: StageEstimate[];
  /** Total CPU seconds of the priced nodes (upper bound). */
  totalSeconds: number;
  /** Expected total CPU seconds of the priced nodes. */
  expectedSeconds: number;
  unknown: number;
  /** Wall seconds on each number of slots (critical path included): bound and expected. */
  wall: { slots: number; seconds: number; expected: number }[];
}

/**
 * Estimates running `run` (ids of the nodes that would run) of `order` (the graph's
 * topological order); cached nodes cost nothing and are done from the start.
 */
export function estimateRun(
  order: GraphNode[],
  run: Set<string>,
  cost: CostModel,
  slots: number[],
): Estimate {
  const price = new Map<string, NodeCost>();
  const byStage = new Map<string, StageEstimate>();
  for (const n of order) {
    if (!run.has(n.id)) continue;
    const c = cost(n);
    price.set(n.id, c);
    const s = byStage.get(n.stage.name) ??
      { stage: n.stage.name, nodes: 0, seconds: 0, expected: 0, unknown: 0, sources: [] };
    s.nodes++;
    if (c.seconds === null) s.unknown++;
    else {
      s.seconds += c.seconds;
      s.expected += expectedOf(c);
    }
    if (!s.sources.includes(c.source)) s.sources.push(c.source);
    byStage.set(n.stage.name, s);
  }
  const stages = [...byStage.values()];
  const seconds = (id: string) => price.get(id)?.seconds ?? 0;
  const expected = (id: string) => {
    const c = price.get(id);
    return c ? expectedOf(c) : 0;
  };
  return {
    stages,
    totalSeconds: stages.reduce((a, s) => a + s.seconds, 0),
    expectedSeconds: stages.reduce((a, s) => a + s.expected, 0),
    unknown: stages.reduce((a, s) => a + s.unknown, 0),
    wall: slots.map((k) => ({
      slots: k,
      seconds: schedule(order, run, seconds, k),
      expected: schedule(order, run, expected, k),
    })),
  };
}

/** A priced node's expected seconds: its `expected`, never above its bound. */
function expectedOf(c: NodeCost): number {
  const bound = c.seconds ?? 0;
  return c.expected === undefined ? bound : Math.min(c.expected, bound);
}

/**
 * Wall time of a list schedule on `k` slots: whenever a slot is free, the ready node with the
 * longest remaining path to the end starts (critical path first), as a runner would.
 */
export function schedule(
  order: GraphNode[],
  run: Set<string>,
  seconds: (id: string) => number,
  k: number,
): number {
  const nodes = order.filter((n) => run.has(n.id));
  const down = downstreamOf(nodes);
  const tail = remainingPaths(nodes, seconds);
  const waiting = new Map(nodes.map((n) => [n.id, n.upstream.filter((u) => run.has(u)).length]));
  let ready = nodes.filter((n) => waiting.get(n.id) === 0).map((n) => n.id);
  const running: { id: string; end: number }[] = [];
  let now = 0;
  let done = 0;
  while (done < nodes.length) {
    ready.sort((a, b) => tail.get(b)! - tail.get(a)!);
    while (running.length < k && ready.length > 0) {
      const id = ready.shift()!;
      running.push({ id, end: now + seconds(id) });
    }
    running.sort((a, b) => a.end - b.end);
    const next = running.shift()!;
    now = next.end;
    done++;
    const freed = [next];
    while (running.length > 0 && running[0].end === now) {
      freed.push(running.shift()!);
      done++;
    }
    for (const f of freed) {
      for (const d of down.get(f.id) ?? []) {
        const w = waiting.get(d)! - 1;
        waiting.set(d, w);
        if (w === 0) ready = [...ready, d];
      }
    }
  }
  return now;
}

/** The ids that read from each node, among `nodes` only. */
export function downstreamOf(nodes: readonly GraphNode[]): Map<string, string[]> {
  const ids = new Set(nodes.map((n) => n.id));
  const down = new Map<string, string[]>();
  for (const n of nodes) {
    for (const u of n.upstream) if (ids.has(u)) down.set(u, [...(down.get(u) ?? []), n.id]);
  }
  return down;
}

/**
 * Each node's longest remaining path: its own cost plus the most expensive chain of nodes
 * downstream of it, among `nodes` (in topological order). The critical-path-first priority of
 * both the estimate's schedule and the runner.
 */
export function remainingPaths(
  nodes: readonly GraphNode[],
  seconds: (id: string) => number,
): Map<string, number> {
  const down = downstreamOf(nodes);
  const tail = new Map<string, number>();
  for (const n of [...nodes].reverse()) {
    const after = Math.max(0, ...(down.get(n.id) ?? []).map((d) => tail.get(d)!));
    tail.set(n.id, seconds(n.id) + after);
  }
  return tail;
}

/** Formats seconds as "1.2 h", "3.4 min" or "5.6 s". */
export function formatDuration(s: number): string {
  if (s >= 3600) return `${(s / 3600).toFixed(1)} h`;
  if (s >= 60) return `${(s / 60).toFixed(1)} min`;
  return `${s.toFixed(1)} s`;
}

/**
 * The estimate as a Markdown table plus total and wall-time lines; with nodes that may stop
 * early, an "expected" column beside each bound.
 */
export function formatEstimate(e: Estimate): string {
  const rows = [...e.stages].sort((a, b) => b.seconds - a.seconds);
  const early = e.expectedSeconds < e.totalSeconds;
  const exp = (bound: number, expected: number) =>
    early ? ` | ${expected < bound ? formatDuration(expected) : "="}` : "";
  const lines = [
    `| stage | nodes | CPU time${early ? " (bound) | expected" : ""} | source |`,
    `|---|---:|---:${early ? "|---:" : ""}|---|`,
    ...rows.map((s) =>
      `| ${s.stage} | ${s.nodes} | ${formatDuration(s.seconds)}${
        s.unknown ? ` (+${s.unknown} unknown)` : ""
      }${exp(s.seconds, s.expected)} | ${s.sources.join("; ")} |`
    ),
    `| **total** | ${rows.reduce((a, s) => a + s.nodes, 0)} | **${
      formatDuration(e.totalSeconds)
    }** (${(e.totalSeconds / 3600).toFixed(2)} h)${
      early
        ? ` | **${formatDuration(e.expectedSeconds)}** (${(e.expectedSeconds / 3600).toFixed(2)} h)`
        : ""
    } | |`,
    "",
    `| slots | wall time${early ? " (bound) | expected" : ""} |`,
    `|---:|---:${early ? "|---:" : ""}|`,
    ...e.wall.map((w) =>
      `| ${w.slots} | ${formatDuration(w.seconds)}${
        early ? ` | ${formatDuration(w.expected)}` : ""
      } |`
    ),
  ];
  if (e.unknown > 0) {
    lines.push("", `${e.unknown} node(s) have no measurement yet and are not counted.`);
  }
  return lines.join("\n");
}
