/**
 * Tests of grid widening (paper sec. 4.1.4: "if the optimal value was found in the boundary, we
 * further extend the boundary"): the planned extension values, the selection's widening rule,
 * and a tiny tuning graph of fake runs (a known validation NDCG per point) through the real
 * tune-select stage, checking what `chosen.json` records.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "zod";
import { buildGraph } from "../../pipeline/graph/graph.ts";
import { defineStage } from "../../pipeline/stage/stage.ts";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile } from "../../config/profile.ts";
import { readChosen } from "../../stages/lib/chosen.ts";
import { planNodes } from "../../plan/mod.ts";
import { extensionValue, type GridRun, selectNode, widenedGrid } from "../../plan/tune.ts";
import { selectWidened } from "../../stages/tune-select.ts";
import { MAX_GRID_RUNS } from "../../stages/lib/grid_runs.ts";
import { type Outputs, runNode } from "../stages/data_helpers.ts";

const CONFIGS = new URL("../../configs", import.meta.url).pathname;

Deno.test("extensionValue: the grid's own spacing beyond each edge; nothing below 0", () => {
  const lr = [0.005, 0.01, 0.05, 0.1];
  assert.equal(extensionValue(lr, "below", 1), 0.0025);
  assert.equal(extensionValue(lr, "below", 2), 0.00125);
  assert.equal(extensionValue(lr, "above", 1), 0.2);
  const l2 = [0, 1e-6, 1e-4, 1e-2, 1];
  assert.equal(extensionValue(l2, "below", 1), null);
  assert.equal(extensionValue(l2, "above", 1), 100);
  const eps = [0.01, 0.1, 1, 10];
  assert.equal(extensionValue(eps, "below", 1), 0.001);
  assert.equal(extensionValue(eps, "above", 2), 1000);
  assert.equal(extensionValue([0, 1e-4], "above", 1), 0.001);
  assert.equal(extensionValue([1], "above", 1), null);
});

Deno.test("widenedGrid: base grid first, then each side's steps crossed with the base", () => {
  const g = widenedGrid({ lr: [1, 2], l2: [0, 1] }, 2);
  assert.deepEqual(g.slice(0, 4).map((p) => p.point), [
    { lr: 1, l2: 0 },
    { lr: 1, l2: 1 },
    { lr: 2, l2: 0 },
    { lr: 2, l2: 1 },
  ]);
  assert.ok(g.slice(0, 4).every((p) => !p.extension));
  // lr: 2 sides x 2 steps x 2 l2 values; l2: above only (0 has no smaller value), 2 steps x 2.
  assert.equal(g.length, 4 + 8 + 4);
  assert.deepEqual(
    g.filter((p) => p.extension?.coord === "lr" && p.extension.side === "below").map((p) =>
      p.point
    ),
    [{ lr: 0.5, l2: 0 }, { lr: 0.5, l2: 1 }, { lr: 0.25, l2: 0 }, { lr: 0.25, l2: 1 }],
  );
  assert.equal(widenedGrid({ lr: [1, 2] }, 0).length, 2);
});

/** Scored 1-D grid [1, 10, 100] with widening 2 per side (0.1, 0.01 below; 1000, 1e4 above). */
function line(score: (x: number) => number) {
  return widenedGrid({ x: [1, 10, 100] }, 2).map((p) => ({ ...p, ndcg10: score(p.point.x) }));
}

Deno.test("selectWidened: interior best ignores the extension points", () => {
  // The extension points score higher, but the base best (10) is not on an edge.
  const runs = line((x) => (x === 10 ? 0.5 : x === 1 || x === 100 ? 0.1 : 0.9));
  const sel = selectWidened(runs);
  assert.equal(runs[sel.best].point.x, 10);
  assert.deepEqual(sel.considered, runs.map((r) => !r.extension));
  assert.ok(sel.widening.every((w) => w.used === 0 && !w.stillOnEdge));
  assert.equal(sel.note, "Best inside the base grid; not widened.");
});

Deno.test("selectWidened: widens while the extension wins, stops when it loses", () => {
  // Best at the upper edge; 1000 wins, 1e4 loses: two steps taken, best inside.
  let runs = line((x) => (x === 1000 ? 0.9 : x === 10000 ? 0.8 : x === 0.1 ? 1 : x / 1000));
  let sel = selectWidened(runs);
  assert.equal(runs[sel.best].point.x, 1000);
  const above = sel.widening.find((w) => w.side === "above")!;
  assert.deepEqual(above, {
    coord: "x",
    side: "above",
    planned: 2,
    used: 2,
    values: [1000, 10000],
    stillOnEdge: false,
  });
  assert.equal(sel.widening.find((w) => w.side === "below")!.used, 0);
  assert.ok(!sel.considered[runs.findIndex((r) => r.point.x === 0.1)]); // never reached
  // Best at the lower edge; 0.1 loses: one step taken, the base value kept.
  runs = line((x) => (x === 1 ? 0.9 : 0.1));
  sel = selectWidened(runs);
  assert.equal(runs[sel.best].point.x, 1);
  assert.equal(sel.widening.find((w) => w.side === "below")!.used, 1);
  assert.match(sel.note, /x widened below by 1 step; the best is inside/);
  // Monotone: still on the edge after both planned steps.
  runs = line((x) => x);
  sel = selectWidened(runs);
  assert.equal(runs[sel.best].point.x, 10000);
  assert.match(sel.note, /x=10000 still on the edge after widening by 2 steps above/);
});

/** A stand-in training run: writes a tune summary with the NDCG it is given. */
const fakeRun = defineStage({
  name: "fake-tune-run",
  module: import.meta.url,
  params: z.object({ lr: z.number(), l2: z.number(), ndcg: z.number() }).strict(),
  inputs: [],
  outputs: ["train_summary.json"],
  async run(ctx) {
    const { lr, l2, ndcg } = ctx.params;
    await Deno.writeTextFile(
      `${ctx.outDir}/train_summary.json`,
      JSON.stringify({
        phase: "tune",
        hyper: { lr: [lr, lr, lr], regs: [l2, l2, l2] },
        best: { epoch: 3, hr10: ndcg, ndcg10: ndcg },
      }),
    );
  },
});

/** Whether lr is a base value of the 3-value grid below. */
const c0 = (lr: number) => [0.01, 0.05, 0.1].includes(lr);

/** Plans and runs a tiny widened grid (lr x l2) of fake runs and its selection. */
async function tinyGrid(score: (lr: number, l2: number) => number, lrs = [0.01, 0.05]) {
  const nodes: NodeSpec[] = [];
  const runs: GridRun[] = [];
  for (const { point, extension } of widenedGrid({ lr: lrs, l2: [0, 0.01] }, 1)) {
    const id = `tune-fake@lr=${point.lr},l2=${point.l2}`;
    nodes.push({
      id,
      stage: fakeRun,
      params: { ...point, ndcg: score(point.lr, point.l2) },
      inputs: {},
      seed: 1,
    });
    runs.push({ label: id, point, ...(extension ? { extension } : {}) });
  }
  nodes.push(selectNode("select-fake", "fake", runs, 2));
  const graph = buildGraph(nodes);
  const root = await Deno.makeTempDir({ prefix: "amr_widen_" });
  try {
    const outputs: Outputs = {};
    for (const node of graph.order) await runNode(node, outputs, root);
    return await readChosen(outputs["select-fake"]["chosen.json"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("tune-select in a tiny graph: chosen.json records the widening", async () => {
  // lr grid [0.01, 0.05] widened to 0.005 and 0.25; l2 [0, 0.01] widened above to 0.1.
  // Best on the lr upper edge, the extension lr = 0.25 wins.
  let c = await tinyGrid((lr, l2) => lr - l2);
  assert.equal(c.best.label, "tune-fake@lr=0.25,l2=0");
  assert.deepEqual(c.values.lr, [0.25, 0.25, 0.25]);
  assert.equal(c.source, "tune run tune-fake@lr=0.25,l2=0");
  assert.deepEqual(c.best.extension, { coord: "lr", side: "above", step: 1 });
  const lrAbove = c.widening.find((w) => w.coord === "lr" && w.side === "above")!;
  assert.equal(lrAbove.used, 1);
  assert.deepEqual(lrAbove.values, [0.25]);
  assert.ok(lrAbove.stillOnEdge);
  assert.deepEqual(c.onEdge, ["lr", "l2"]);
  assert.match(c.wideningNote, /lr=0\.25 still on the edge after widening by 1 step above/);
  assert.match(c.wideningNote, /l2=0 on the below edge, not widened \(no smaller value\)/);
  assert.equal(c.grid.length, 4 + 4 + 2);
  assert.equal(c.grid.filter((g) => g.considered).length, 4 + 2);

  // Same edge, the extension loses: base choice kept, the widening still recorded; the l2
  // upper side was never reached, so its extension runs were not considered.
  c = await tinyGrid((lr, l2) => (lr === 0.25 ? 0 : lr) - l2);
  assert.equal(c.best.label, "tune-fake@lr=0.05,l2=0");
  assert.equal(c.best.extension, undefined);
  const lrUp = c.widening.find((w) => w.coord === "lr" && w.side === "above")!;
  assert.deepEqual([lrUp.used, lrUp.stillOnEdge], [1, false]);
  assert.equal(c.widening.find((w) => w.coord === "l2" && w.side === "above")!.used, 0);
  assert.deepEqual(c.onEdge, ["l2"]);
  assert.match(c.wideningNote, /lr widened above by 1 step; the best is inside/);
  assert.ok(c.grid.filter((g) => g.extension?.coord === "l2").every((g) => !g.considered));

  // Interior best: lr [0.01, 0.05, 0.1], best lr = 0.05 at l2 = 0 (l2's lower bound); every
  // extension point scores higher but none is considered.
  c = await tinyGrid((lr, l2) => (lr === 0.05 && l2 === 0 ? 0.5 : c0(lr) ? 0.1 : 0.9), [
    0.01,
    0.05,
    0.1,
  ]);
  assert.equal(c.best.label, "tune-fake@lr=0.05,l2=0");
  assert.equal(c.grid.length, 6 + 4 + 3);
  assert.ok(c.grid.every((g) => g.considered === !g.extension));
  assert.ok(c.widening.every((w) => w.used === 0));
  assert.deepEqual(c.onEdge, ["l2"]);
  assert.equal(c.wideningNote, "l2=0 on the below edge, not widened (no smaller value).");
});

Deno.test("planning: widening nodes only with tune set; every selection fits its slots", async () => {
  const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
  for (const name of ["smoke", "default"]) {
    const profile = await loadProfile(CONFIGS, name);
    assert.equal(profile.tune, null);
    const ids = planNodes(dataset, profile).map((n) => n.id);
    assert.ok(!ids.some((id) => id.startsWith("tune-") || id.startsWith("select-")), name);
  }
  const paper = await loadProfile(CONFIGS, "paper");
  const graph = buildGraph(planNodes(dataset, paper));
  // lr [0.005 .. 0.1] x l2 [0 .. 1]: 20 base points, widening 1: lr 0.0025 and 0.2 at 5 l2
  // values, l2 100 at 4 lr values (none below l2 = 0).
  const vbpr = graph.order.filter((n) => n.id.startsWith("tune-vbpr@lr="));
  assert.equal(vbpr.length, 20 + 10 + 4);
  for (
    const id of ["tune-vbpr@lr=0.0025,l2=0", "tune-vbpr@lr=0.2,l2=1", "tune-vbpr@lr=0.1,l2=100"]
  ) {
    assert.ok(graph.byId.has(id), id);
  }
  for (const id of ["tune-amr@eps=0.001", "tune-amr@eps=100", "tune-amr@lambda=100"]) {
    assert.ok(graph.byId.has(id), id);
  }
  const deep = { ...paper, tune: { ...paper.tune!, widen: 3 } };
  for (const n of planNodes(dataset, deep).filter((n) => n.stage.name === "tune-select")) {
    const runs = (n.params as { runs: unknown[] }).runs.length;
    assert.ok(runs <= MAX_GRID_RUNS, `${n.id}: ${runs}`);
  }
});
