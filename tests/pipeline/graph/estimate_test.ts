/**
 * `--estimate`'s arithmetic (pipeline/graph/estimate.ts): CPU time per stage and in total, unknown
 * nodes counted apart, and the wall time of a critical-path-first list schedule on N slots.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import type { GraphNode } from "../../../pipeline/graph/graph.ts";
import { estimateRun, formatEstimate, schedule } from "../../../pipeline/graph/estimate.ts";
import { defineStage } from "../../../pipeline/stage/stage.ts";

function stage(name: string) {
  return defineStage({
    name,
    module: import.meta.url,
    params: z.object({}),
    inputs: [],
    outputs: [],
    run: () => Promise.resolve(),
  });
}

function node(id: string, st: string, upstream: string[]): GraphNode {
  return { id, stage: stage(st), params: {}, inputs: {}, seed: 1, upstream };
}

// a -> b -> c (1 + 2 + 3 s) beside d (4 s) and e (unknown), c also after d.
const order = [
  node("a", "train", []),
  node("b", "train", ["a"]),
  node("d", "data", []),
  node("c", "report", ["b", "d"]),
  node("e", "plot", ["c"]),
];
const secs: Record<string, number | null> = { a: 1, b: 2, c: 3, d: 4, e: null };
const cost = (n: GraphNode) => ({ seconds: secs[n.id], source: `measured ${n.stage.name}` });

Deno.test("schedule: one slot sums, enough slots give the critical path", () => {
  const all = new Set(order.map((n) => n.id));
  const s = (id: string) => secs[id] ?? 0;
  assert.equal(schedule(order, all, s, 1), 10);
  assert.equal(schedule(order, all, s, 2), 7); // a,d | b (1-3) | c after d (4-7)
  assert.equal(schedule(order, all, s, 8), 7);
  // A cached node costs nothing and blocks nothing.
  assert.equal(schedule(order, new Set(["b", "c", "e"]), s, 2), 5);
});

Deno.test("estimateRun: per stage, total, unknown nodes apart, wall per slot count", () => {
  const e = estimateRun(order, new Set(order.map((n) => n.id)), cost, [1, 2]);
  const byStage = Object.fromEntries(e.stages.map((s) => [s.stage, s]));
  assert.equal(byStage.train.seconds, 3);
  assert.equal(byStage.train.nodes, 2);
  assert.equal(byStage.plot.unknown, 1);
  assert.equal(e.totalSeconds, 10);
  assert.equal(e.unknown, 1);
  assert.equal(e.expectedSeconds, 10);
  assert.deepEqual(e.wall, [
    { slots: 1, seconds: 10, expected: 10 },
    { slots: 2, seconds: 7, expected: 7 },
  ]);
  const text = formatEstimate(e);
  assert.match(text, /\| train \| 2 \| 3\.0 s \| measured train \|/);
  assert.doesNotMatch(text, /expected/, "no node stops early: one column");
  assert.match(text, /1 node\(s\) have no measurement yet/);
});

Deno.test("estimateRun: a node that may stop early has a bound and an expected price", () => {
  // b may stop early: bound 2 s, expected 0.5 s; an expected above the bound is capped.
  const early = (n: GraphNode) =>
    n.id === "b"
      ? { seconds: 2, expected: 0.5, source: "bound" }
      : n.id === "a"
      ? { seconds: 1, expected: 5, source: "capped" }
      : cost(n);
  const e = estimateRun(order, new Set(order.map((n) => n.id)), early, [1, 2]);
  const train = e.stages.find((s) => s.stage === "train")!;
  assert.equal(train.seconds, 3);
  assert.equal(train.expected, 1.5);
  assert.equal(e.totalSeconds, 10);
  assert.equal(e.expectedSeconds, 8.5);
  // On 2 slots the expected path is a, b (1 + 0.5) beside d (4), then c (3): 7 either way,
  // as d is on the critical path; on 1 slot the saving is whole.
  assert.deepEqual(e.wall, [
    { slots: 1, seconds: 10, expected: 8.5 },
    { slots: 2, seconds: 7, expected: 7 },
  ]);
  const text = formatEstimate(e);
  assert.match(text, /\| stage \| nodes \| CPU time \(bound\) \| expected \| source \|/);
  assert.match(text, /\| train \| 2 \| 3\.0 s \| 1\.5 s \| capped; bound \|/);
  assert.match(text, /\| data \| 1 \| 4\.0 s \| = \|/);
  assert.match(text, /\| 1 \| 10\.0 s \| 8\.5 s \|/);
});
