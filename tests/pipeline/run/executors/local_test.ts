/**
 * `--jobs auto` (pipeline/run/executors/local.ts): the shape of jobs x threads for a number of
 * ready nodes on a number of cores, and a graph with a two-node level runs those two in
 * Workers with one thread each (one node alone runs in this thread) and gives the same
 * entries as `--jobs 1`.
 */
import assert from "node:assert/strict";
import { buildGraph } from "../../../../pipeline/graph/graph.ts";
import { autoShape } from "../../../../pipeline/run/executors/local.ts";
import type { NodeSpec } from "../../../../pipeline/stage/node.ts";
import { run, tempStore } from "../../engine_helpers.ts";
import { scale, source, sum } from "../../toy_stages.ts";

Deno.test("autoShape: one node gets every core; a level as wide as the cores gets one each", () => {
  assert.deepEqual(autoShape(1, 2), { jobs: 1, threads: 2 });
  assert.deepEqual(autoShape(2, 2), { jobs: 2, threads: 1 });
  assert.deepEqual(autoShape(35, 2), { jobs: 2, threads: 1 });
  assert.deepEqual(autoShape(3, 8), { jobs: 3, threads: 2 });
  assert.deepEqual(autoShape(1, 8, 4), { jobs: 2, threads: 4 }, "--threads fixed");
  assert.deepEqual(autoShape(5, 1), { jobs: 1, threads: 1 });
});

function diamond(): NodeSpec[] {
  const numbers = { node: "source", output: "numbers.txt" };
  return [
    { id: "source", stage: source, params: { n: 4, delayMs: 0 }, inputs: {}, seed: 1 },
    { id: "a", stage: scale, params: { factor: 2, crash: false }, inputs: { numbers }, seed: 2 },
    { id: "b", stage: scale, params: { factor: 3, crash: false }, inputs: { numbers }, seed: 3 },
    {
      id: "sum",
      stage: sum,
      params: {},
      inputs: { scaled: { node: "b", output: "scaled.txt" } },
      seed: 4,
    },
  ];
}

Deno.test("--jobs auto: siblings in Workers with their share of threads, same entries", async () => {
  const lines: string[] = [];
  const auto = await run(buildGraph(diamond()), await tempStore(), {
    jobs: "auto",
    cores: 2,
    threadsEnv: "TOY_THREADS",
    log: (l) => lines.push(l),
  });
  const serial = await run(buildGraph(diamond()), await tempStore(), { jobs: 1 });
  assert.deepEqual(auto.outcomes.map((o) => o.key), serial.outcomes.map((o) => o.key));
  const ran = (id: string) => lines.find((l) => l.startsWith(`[${id}] running`)) ?? "";
  assert.doesNotMatch(ran("source"), /Worker/);
  assert.match(ran("a"), /\[Worker; TOY_THREADS=1\]/);
  assert.match(ran("b"), /\[Worker; TOY_THREADS=1\]/);
});
