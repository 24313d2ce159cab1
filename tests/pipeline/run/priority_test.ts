/**
 * Critical path first (pipeline/run/priority.ts): on a long chain beside many short independent
 * nodes, with one or two slots, the chain's head starts first and each chain node starts the
 * moment its input is done, ahead of short nodes that were ready earlier; the critical node is
 * flagged to the executor (which gives it the cores an even split leaves); and the outputs are
 * byte-identical whatever order the nodes ran in.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildGraph, run, RUNTIME, tempStore, toyHasher } from "../engine_helpers.ts";
import { scale, source } from "../toy_stages.ts";
import type { NodeSpec } from "../../../pipeline/stage/node.ts";
import type { CostModel } from "../../../pipeline/graph/estimate.ts";
import type { Executor } from "../../../pipeline/run/executors/executor.ts";
import { autoShape, localExecutor } from "../../../pipeline/run/executors/local.ts";
import { nodePriorities } from "../../../pipeline/run/priority.ts";
import { silentProgress } from "../../../pipeline/stage/progress.ts";
import type { Store } from "../../../pipeline/store/store.ts";
import type { RunReport } from "../../../pipeline/run/runner.ts";

const SHORT = ["s1", "s2", "s3", "s4", "s5", "s6"];
const CHAIN = ["c0", "c1", "c2", "c3", "c4"];

/**
 * Six short sources declared first (so graph order, and a first-come scheduler, would start
 * them first), then a five-node chain c0 -> c1 -> ... -> c4.
 */
function chainAndShorts(shortDelayMs = 0): NodeSpec[] {
  const shorts: NodeSpec[] = SHORT.map((id, i) => ({
    id,
    stage: source,
    params: { n: 3, delayMs: shortDelayMs },
    inputs: {},
    seed: 10 + i,
  }));
  const chain = CHAIN.map((id, i): NodeSpec =>
    i === 0 ? { id, stage: source, params: { n: 4, delayMs: 0 }, inputs: {}, seed: 1 } : {
      id,
      stage: scale,
      params: { factor: i + 1, crash: false },
      inputs: {
        numbers: { node: CHAIN[i - 1], output: i === 1 ? "numbers.txt" : "scaled.txt" },
      },
      seed: 1 + i,
    }
  );
  return [...shorts, ...chain];
}

/** Runs the graph on `slots` slots, recording the order in which nodes are handed over. */
async function recordedRun(
  store: Store,
  slots: number,
  costModel?: CostModel,
  shortDelayMs = 0,
): Promise<{ order: string[]; events: string[]; critical: string[]; report: RunReport }> {
  const order: string[] = [];
  const events: string[] = [];
  const critical: string[] = [];
  const inner = localExecutor({
    jobs: 1,
    store,
    hasher: await toyHasher(),
    runtime: RUNTIME,
    // A node logs "done" once its entry is committed, which is when its dependants are ready.
    log: (line) => {
      const done = /^\[(\w+)\] done in/.exec(line);
      if (done) events.push(`done ${done[1]}`);
    },
    progress: () => silentProgress,
  });
  const executor: Executor = {
    name: "recording",
    slots,
    run(task, signal) {
      order.push(task.node.id);
      events.push(`start ${task.node.id}`);
      if (task.critical) critical.push(task.node.id);
      return inner.run(task, signal);
    },
  };
  const report = await run(buildGraph(chainAndShorts(shortDelayMs)), store, {
    executor,
    ...(costModel ? { costModel: () => Promise.resolve(costModel) } : {}),
  });
  return { order, events, critical, report };
}

/** A cost model pricing the chain's nodes and the short ones. */
function prices(chain: number, short: number): CostModel {
  return (n) => ({ seconds: CHAIN.includes(n.id) ? chain : short, source: "test" });
}

/** Every output file of every entry of a run, by node and output name. */
async function outputs(store: Store, report: RunReport): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const o of report.outcomes) {
    for (const name of Object.keys(o.manifest!.outputs)) {
      out[`${o.id}/${name}`] = await Deno.readTextFile(join(store.entryDir(o.key!), name));
    }
  }
  return out;
}

Deno.test("priorities: the longest remaining path, by node count or by the cost model", () => {
  const graph = buildGraph(chainAndShorts());
  const counts = nodePriorities(graph.order);
  assert.deepEqual(CHAIN.map((id) => counts.get(id)), [5, 4, 3, 2, 1]);
  assert.equal(counts.get("s1"), 1);
  const priced = nodePriorities(graph.order, prices(10, 1));
  assert.deepEqual(CHAIN.map((id) => priced.get(id)), [50, 40, 30, 20, 10]);
  // A node the model cannot price counts as the median priced node.
  const partly = nodePriorities(graph.order, (n) => ({
    seconds: n.id === "c4" ? null : CHAIN.includes(n.id) ? 10 : 1,
    source: "test",
  }));
  assert.equal(partly.get("c4"), 1);
  assert.equal(partly.get("c3"), 11);
});

Deno.test("one slot: the chain's head starts first and the chain is never overtaken", async () => {
  // Without a cost model each node counts one: c0..c3 have longer paths than any short node;
  // c4 ties with them and goes after them, as they come first in the graph's order.
  const byCount = await recordedRun(await tempStore(), 1);
  assert.deepEqual(byCount.order, ["c0", "c1", "c2", "c3", ...SHORT, "c4"]);
  // With a cost model that prices the chain higher, the whole chain runs first: each chain node
  // starts the moment its input is committed, ahead of the short nodes queued since the start.
  const priced = await recordedRun(await tempStore(), 1, prices(10, 1));
  assert.deepEqual(priced.order, [...CHAIN, ...SHORT]);
  // Each chain node is the critical one; then the short nodes, left alone, are in turn.
  assert.deepEqual(priced.critical, [...CHAIN, ...SHORT]);
});

Deno.test("two slots: the chain's head is among the first two and is the critical node", async () => {
  // Short nodes that sleep keep the second slot busy while the chain runs, so what is measured is
  // the choice at each free slot, not which of two instant nodes the machine finished first.
  const { order, events, critical } = await recordedRun(await tempStore(), 2, prices(10, 1), 300);
  assert.deepEqual(order.slice(0, 2).sort(), ["c0", "s1"]);
  // Once a chain node's input is committed, no short node starts before that chain node does.
  for (let i = 1; i < CHAIN.length; i++) {
    const ready = events.indexOf(`done ${CHAIN[i - 1]}`);
    const started = events.indexOf(`start ${CHAIN[i]}`);
    assert.ok(ready >= 0 && started > ready, events.join(", "));
    const between = events.slice(ready, started).filter((e) => e.startsWith("start s"));
    assert.deepEqual(between, [], `${CHAIN[i]} overtaken: ${events.join(", ")}`);
  }
  for (const id of CHAIN) assert.ok(critical.includes(id), `${id} not critical`);
  assert.ok(!critical.includes("s1"), "s1 started beside c0 and is not critical");
});

Deno.test("the start order changes nothing: outputs are byte-identical", async () => {
  const chainFirst = await tempStore();
  const shortFirst = await tempStore();
  const a = await recordedRun(chainFirst, 1, prices(10, 1));
  const b = await recordedRun(shortFirst, 1, prices(1, 10));
  assert.notDeepEqual(a.order, b.order);
  assert.deepEqual(b.order.slice(0, SHORT.length), SHORT);
  assert.deepEqual(a.report.outcomes.map((o) => o.key), b.report.outcomes.map((o) => o.key));
  assert.deepEqual(await outputs(chainFirst, a.report), await outputs(shortFirst, b.report));
});

Deno.test("autoShape: the cores an even split leaves go to the critical node", () => {
  assert.deepEqual(autoShape(3, 8, undefined, true), { jobs: 3, threads: 4 });
  assert.deepEqual(autoShape(3, 8, undefined, false), { jobs: 3, threads: 2 });
  assert.deepEqual(autoShape(5, 8, undefined, true), { jobs: 5, threads: 4 });
  assert.deepEqual(autoShape(1, 8, undefined, true), { jobs: 1, threads: 8 });
  assert.deepEqual(autoShape(2, 2, undefined, true), { jobs: 2, threads: 1 });
  assert.deepEqual(autoShape(3, 8, 2, true), { jobs: 4, threads: 2 }, "--threads fixed");
});
