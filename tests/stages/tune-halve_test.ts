/**
 * Stage `tune-halve` on hand-made rung summaries: it keeps the best `keep` points that trained
 * to the rung's end, by validation NDCG@10 at their best trained epoch (NaN last, ties in grid
 * order); points stopped by halving or patience are ranked but never kept.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { stage as halveStage } from "../../stages/tune-halve.ts";
import { rankRuns, runSlot, survivorsSchema } from "../../stages/lib/grid_runs.ts";
import { type Outputs, runNode } from "./data_helpers.ts";
import type { NodeSpec } from "../../pipeline/stage/node.ts";

/** A BPR rung run's summary: its best trained epoch and where it stopped. */
function summary(ndcg10: number, stopped: { epoch: number; reason: string }) {
  const at = (epoch: number, v: number) => ({ epoch, hr10: 2 * v, ndcg10: v });
  return {
    model: "vbpr",
    phase: "tune",
    epochs: 4,
    hyper: { lr: [0.1, 0.1, 0.1], regs: [0, 0, 0] },
    best: at(2, ndcg10),
    start: at(0, 0),
    bestTrained: at(2, ndcg10),
    stopped,
  };
}

async function halve(runs: [string, unknown][], keep: number) {
  const root = await Deno.makeTempDir({ prefix: "amr_halve_" });
  try {
    const outputs: Outputs = {};
    const inputs: NodeSpec["inputs"] = {};
    for (let k = 0; k < 64; k++) {
      const [label, s] = runs[k < runs.length ? k : 0];
      const path = join(root, `${label}.json`);
      await Deno.writeTextFile(path, JSON.stringify(s));
      outputs[label] = { "train_summary.json": path };
      inputs[runSlot(k)] = { node: label, output: "train_summary.json" };
    }
    const node: NodeSpec = {
      id: "halve-vbpr@rung=1",
      stage: halveStage,
      params: { model: "vbpr", rung: 1, epochs: 4, keep, runs: runs.map(([l]) => l) },
      inputs,
      seed: 1,
    };
    await runNode(node, outputs, root);
    const text = await Deno.readTextFile(outputs[node.id]["survivors.json"]);
    return survivorsSchema.parse(JSON.parse(text));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("tune-halve: the best alive points continue; dropped or stopped ones never do", async () => {
  const through = { epoch: 4, reason: "epochs" };
  const s = await halve([
    ["a", summary(0.30, through)],
    ["b", summary(0.50, { epoch: 2, reason: "halving" })], // best score, dropped at rung 0
    ["c", summary(0.40, through)],
    ["d", summary(0.45, { epoch: 3, reason: "patience" })], // stopped early in this rung
    ["e", summary(0.40, through)], // ties c: grid order
    ["f", summary(NaN, through)],
  ], 2);
  assert.deepEqual(s.survivors, ["c", "e"]);
  assert.deepEqual(s.ranking.map((r) => r.label), ["b", "d", "c", "e", "a", "f"]);
  assert.deepEqual(s.ranking.map((r) => r.alive), [false, false, true, true, true, true]);
  assert.equal(s.ranking[0].stopped!.reason, "halving");
  // Fewer alive points than `keep`: those alive continue.
  const few = await halve([
    ["a", summary(0.3, through)],
    ["b", summary(0.5, { epoch: 2, reason: "patience" })],
    ["c", summary(0.1, { epoch: 2, reason: "halving" })],
  ], 2);
  assert.deepEqual(few.survivors, ["a"]);
});

Deno.test("tune-halve: a keep not below the level's size is refused", () => {
  const r = halveStage.params.safeParse({
    model: "m",
    rung: 0,
    epochs: 1,
    keep: 3,
    runs: ["a", "b", "c"],
  });
  assert.equal(r.success, false);
  assert.match(r.error!.issues[0].message, /keep must be smaller/);
});

Deno.test("rankRuns: best first, NaN and null last, ties in input order", () => {
  const rows = [{ ndcg10: 0.1 }, { ndcg10: null }, { ndcg10: 0.3 }, { ndcg10: NaN }, {
    ndcg10: 0.1,
  }];
  assert.deepEqual(rankRuns(rows).map((r) => rows.indexOf(r)), [2, 0, 4, 1, 3]);
});
