/**
 * AMR's cost model (plan/cost.ts): a training node costs epochs x the per-epoch time of
 * earlier runs of its model on the same dataset plus their overhead; runs on another dataset
 * are ignored; without runs, the latest bench file's 1-thread epoch time of the nearest scale
 * is used; other stages cost their median earlier duration; anything else is unknown.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "zod";
import {
  costModel,
  evaluationsBetween,
  expectedStop,
  fitTrainPrice,
  modelOf,
  rungCost,
} from "../../plan/cost.ts";
import { sha256 } from "../../pipeline/stage/hash.ts";
import { curveCsv } from "../../io/curve.ts";
import type { GraphNode } from "../../pipeline/graph/graph.ts";
import type { Manifest } from "../../pipeline/stage/manifest.ts";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { defineStage } from "../../pipeline/stage/stage.ts";
import { Store } from "../../pipeline/store/store.ts";

function st(name: string) {
  return defineStage({
    name,
    module: import.meta.url,
    params: z.unknown(),
    inputs: [],
    outputs: [],
    run: () => Promise.resolve(),
  });
}

const hex = (c: string) => c.repeat(64);

/** A graph node of stage `stage` with `params` (what the cost model prices). */
function n(stage: string, params: unknown): GraphNode {
  return { id: stage, stage: st(stage), params, inputs: {}, seed: 1, upstream: [] };
}

async function put(store: Store, m: Partial<Manifest> & { key: string; stage: string }) {
  const full: Manifest = {
    format: 1,
    node: m.stage,
    params: {},
    seed: 1,
    inputs: {},
    outputs: {},
    code: { hash: "h", modules: {}, packages: [] },
    runtime: {},
    startedAt: "",
    durationMs: 0,
    ...m,
  };
  await Deno.mkdir(store.entryDir(m.key), { recursive: true });
  await Deno.writeTextFile(join(store.entryDir(m.key), "manifest.json"), JSON.stringify(full));
}

const input = (key: string) => ({ d: { node: "dataset", key, output: "x", sha256: hex("0") } });

/**
 * A store holding our dataset (`hex("a")`, name "ours") and one VBPR run on it (`hex("c")`): 10
 * epochs of 100 ms in 1.5 s, so 0.1 s/epoch + 0.5 s set-up.
 */
/** `n` VBPR nodes of one fused group `level`. */
function fusedLevel(n: number): NodeSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `g${i + 1}`,
    stage: st("vbpr"),
    params: {},
    inputs: {},
    seed: 1,
    fuse: "level",
  }));
}

async function storeWithOneVbprRun(): Promise<{ root: string; store: Store }> {
  const root = await Deno.makeTempDir({ prefix: "amr-cost-" });
  const store = new Store(root);
  await put(store, { key: hex("a"), stage: "dataset", params: { name: "ours" } });
  await put(store, {
    key: hex("c"),
    stage: "vbpr",
    inputs: input(hex("a")),
    durationMs: 1500,
    summary: { model: "vbpr", epochs: 10, meanEpochMs: 100 },
  });
  return { root, store };
}

Deno.test("cost model: earlier runs on the same dataset, else bench, else unknown", async () => {
  const { root, store } = await storeWithOneVbprRun();
  await put(store, { key: hex("b"), stage: "dataset", params: { name: "other" } });
  // The same model on another dataset, far slower: must not count.
  await put(store, {
    key: hex("d"),
    stage: "vbpr",
    inputs: input(hex("b")),
    durationMs: 99000,
    summary: { model: "vbpr", epochs: 10, meanEpochMs: 9000 },
  });
  await put(store, { key: hex("e"), stage: "evaluate", inputs: input(hex("a")), durationMs: 2000 });
  await put(store, { key: hex("f"), stage: "evaluate", inputs: input(hex("a")), durationMs: 4000 });
  await put(store, { key: hex("9"), stage: "evaluate", inputs: input(hex("a")), durationMs: 3000 });
  await Deno.mkdir(join(root, "bench"));
  await Deno.writeTextFile(
    join(root, "bench", "2026-01-01.json"),
    JSON.stringify({
      children: [
        { scale: "pinterest", threads: 1, epochS: { amr: [0.3, 0.5, 0.4] } },
        { scale: "pinterest", threads: 2, epochS: { amr: [0.1] } },
        { scale: "amazon", threads: 1, epochS: { amr: [20] } },
      ],
    }),
  );
  const nodes: NodeSpec[] = [
    { id: "dataset", stage: st("dataset"), params: { name: "ours" }, inputs: {}, seed: 1 },
  ];
  const target = { name: "t", nodes, resultsDir: "", meta: {} };
  const price = await costModel(target, store, { artifactsRoot: root, items: 5000 });
  const tuned = price(n("vbpr-tuned", { epochs: 2000 }));
  assert.ok(Math.abs(tuned.seconds! - 200.5) < 1e-9, String(tuned.seconds));
  assert.match(
    tuned.source,
    /0\.5 s \+ 100\.0 ms\/epoch \+ 0\.00 s\/evaluation, earlier runs \(1\)/,
  );
  const amr = price(n("amr", { epochs: 100 }));
  assert.ok(Math.abs(amr.seconds! - 40) < 1e-9, String(amr.seconds)); // median 0.4 s, 1 thread
  assert.match(amr.source, /bench 2026-01-01, pinterest scale, 1 thread/);
  assert.deepEqual(price(n("evaluate", {})), { seconds: 3, source: "earlier runs (3)" });
  assert.equal(price(n("duif", { epochs: 5 })).seconds, null);
  const big = await costModel(target, store, { artifactsRoot: root, items: 600_000 });
  assert.equal(big(n("amr", { epochs: 2 })).seconds, 40, "amazon scale is nearer");
});

Deno.test("cost model: stage variants map to their model", () => {
  assert.equal(modelOf("vbpr-continued-tuned"), "vbpr");
  assert.equal(modelOf("vbpr-continued"), "vbpr");
  assert.equal(modelOf("amr-tuned"), "amr");
  assert.equal(modelOf("mf-eals"), "mf-eals");
  assert.equal(modelOf("amr-tuned-next-rung"), "amr");
  assert.equal(modelOf("duif-from-mf-first-rung"), "duif");
});

Deno.test("cost model: a halving rung's bound and expected price, hand-computed", () => {
  const price = { fixed: 1, perEpoch: 0.01, perEval: 0.5, source: "s" };
  // Rung 250 -> 700 at evalEvery 50: 450 epochs and the evaluations at 300, 350, ..., 700 (9).
  const c = rungCost(
    { from: 250, points: 34, continuing: 3 },
    { epochs: 700, evalEvery: 50 },
    price,
  );
  const bound = 1 + 450 * 0.01 + 9 * 0.5;
  assert.ok(Math.abs(c.seconds! - bound) < 1e-12, String(c.seconds));
  // 3 of 34 points train it; the other 31 pass through, copying: the fixed cost only.
  const expected = (3 / 34) * bound + (31 / 34) * 1;
  assert.ok(Math.abs(c.expected! - expected) < 1e-12, String(c.expected));
  assert.match(c.source, /halving rung: epochs 250-700, 3 of 34 points train/);
  // Patience expected to stop a continuing point at 400: it trains 150 epochs (evaluations at
  // 300, 350, 400).
  const early = rungCost(
    { from: 250, points: 34, continuing: 3 },
    { epochs: 700, evalEvery: 50, stop: { epoch: 400, source: "expected stop: x" } },
    price,
  );
  assert.equal(early.seconds, c.seconds, "the bound ignores patience");
  const trained = 1 + 150 * 0.01 + 3 * 0.5;
  assert.ok(Math.abs(early.expected! - ((3 / 34) * trained + (31 / 34) * 1)) < 1e-12);
  assert.match(early.source, /expected stop: x/);
  // Expected to have stopped before the rung: every point passes through.
  const before = rungCost(
    { from: 250, points: 34, continuing: 3 },
    { epochs: 700, evalEvery: 50, stop: { epoch: 200, source: "s" } },
    price,
  );
  assert.ok(Math.abs(before.expected! - 1) < 1e-12, String(before.expected));
});

Deno.test("evaluationsBetween: epoch 0 for a run from the start, the cadence, the last epoch", () => {
  assert.equal(evaluationsBetween(0, 2000, 50), 41);
  assert.equal(evaluationsBetween(0, 60, 50), 3); // 0, 50, 60
  assert.equal(evaluationsBetween(250, 700, 50), 9);
  assert.equal(evaluationsBetween(100, 130, 50), 1); // 130 only
  assert.equal(evaluationsBetween(0, 5, null), 1);
});

Deno.test("fitTrainPrice: recovers set-up, epoch and evaluation costs; refuses what it cannot separate", () => {
  const truth = (epochs: number, evaluations: number) => 1.5 + 0.01 * epochs + 0.4 * evaluations;
  const runs = [[2000, 41], [100, 3], [0, 1], [450, 9], [300, 7]].map(([e, v]) => ({
    seconds: truth(e, v),
    epochs: e,
    evaluations: v,
  }));
  const fit = fitTrainPrice(runs)!;
  assert.ok(
    Math.abs(fit.fixed - 1.5) < 1e-9 && Math.abs(fit.perEpoch - 0.01) < 1e-12,
    JSON.stringify(fit),
  );
  assert.ok(Math.abs(fit.perEval - 0.4) < 1e-9);
  assert.equal(fitTrainPrice(runs.slice(0, 2)), null, "two runs");
  const alike = [1, 2, 3].map((k) => ({ seconds: k, epochs: 100, evaluations: 3 }));
  assert.equal(fitTrainPrice(alike), null, "no spread in epochs or evaluations");
  // Evaluations proportional to epochs cannot be told apart from them: the fit keeps epochs.
  const collinear = [100, 200, 400].map((e) => ({
    seconds: 1 + e / 10,
    epochs: e,
    evaluations: e / 50,
  }));
  const kept = fitTrainPrice(collinear)!;
  assert.ok(Math.abs(kept.fixed - 1) < 1e-9 && Math.abs(kept.perEpoch - 0.1) < 1e-12);
  assert.equal(kept.perEval, 0);
  // Evaluations that cost nothing, with noise: a negative fit is dropped, the rest refitted.
  const noisy = runs.map((r, i) => ({
    ...r,
    seconds: 1.5 + 0.01 * r.epochs + [0.02, -0.02, 0.01, 0, -0.01][i],
  }));
  const f2 = fitTrainPrice(noisy)!;
  assert.ok(
    f2.perEval >= 0 && f2.fixed > 1.4 && Math.abs(f2.perEpoch - 0.01) < 1e-3,
    JSON.stringify(f2),
  );
});

Deno.test("cost model: evaluations at epoch 0, every evalEvery and the last epoch", () => {
  assert.equal(evaluationsBetween(0, 2000, 50), 41);
  assert.equal(evaluationsBetween(0, 10, 4), 4); // 0, 4, 8, 10
  assert.equal(evaluationsBetween(0, 0, 5), 1);
});

Deno.test("cost model: bench evaluation cost, latest file per scale", async () => {
  const root = await Deno.makeTempDir({ prefix: "amr-cost-" });
  const store = new Store(root);
  await Deno.mkdir(join(root, "bench"));
  const bench = (name: string, children: unknown[]) =>
    Deno.writeTextFile(join(root, "bench", name), JSON.stringify({ children }));
  await bench("2026-01-01.json", [
    { scale: "pinterest", threads: 1, epochS: { vbpr: [0.5] }, evalS: [2, 4, 3] },
    { scale: "amazon", threads: 1, epochS: { vbpr: [20] }, evalS: [100] },
  ]);
  // A later Amazon-only bench replaces the Amazon figures, not the Pinterest ones.
  await bench("2026-02-01.json", [
    {
      scale: "amazon",
      threads: 1,
      epochS: { vbpr: [30], duif: [25], "mf-eals": [4] },
      evalS: [90],
    },
  ]);
  const target = { name: "t", nodes: [], resultsDir: "", meta: {} };
  const small = await costModel(target, store, { artifactsRoot: root, items: 5000 });
  const v = small(n("vbpr-continued-tuned", { epochs: 100, evalEvery: 50 }));
  assert.equal(v.seconds, 100 * 0.5 + 3 * 3); // median evaluation 3 s, at epochs 0, 50, 100
  assert.match(
    v.source,
    /500\.0 ms\/epoch \+ 3\.00 s\/evaluation, bench 2026-01-01, pinterest scale/,
  );
  assert.deepEqual(small(n("evaluate", {})), {
    seconds: 3,
    source: "one full evaluation, bench 2026-01-01, pinterest scale, 1 thread",
  });
  assert.equal(small(n("duif", { epochs: 5 })).seconds, null, "no DUIF at Pinterest scale");
  const big = await costModel(target, store, { artifactsRoot: root, items: 300_000 });
  assert.equal(big(n("vbpr", { epochs: 2, evalEvery: 1 })).seconds, 2 * 30 + 3 * 90);
  // No evalEvery: evaluated once, after the last epoch.
  assert.equal(big(n("duif", { epochs: 2 })).seconds, 2 * 25 + 90);
  // eALS: sweeps priced per sweep, one evaluation.
  const eals = big(n("mf-eals-tuned", { iterations: 10, c0: 512 }));
  assert.equal(eals.seconds, 10 * 4 + 90);
  assert.match(eals.source, /4000\.0 ms\/epoch \+ 90\.00 s\/evaluation, bench 2026-02-01, amazon/);
});

Deno.test("cost model: no bench folder means no bench figures; an unreadable one is reported", async () => {
  const root = await Deno.makeTempDir({ prefix: "amr-cost-" });
  const store = new Store(root);
  const target = { name: "t", nodes: [], resultsDir: "", meta: {} };
  const none = await costModel(target, store, { artifactsRoot: root, items: 5000 });
  assert.equal(none(n("amr", { epochs: 2 })).seconds, null);
  // A file where the folder should be (ENOTDIR, denied to root too) is not "no bench yet".
  await Deno.writeTextFile(join(root, "bench"), "");
  await assert.rejects(
    costModel(target, store, { artifactsRoot: root, items: 5000 }),
    Deno.errors.NotADirectory,
  );
});

/** A curve evaluated every `every` epochs with these NDCG@10 values (epoch 0 first). */
function evals(every: number, values: number[]) {
  return values.map((value, i) => ({ epoch: i * every, value }));
}

Deno.test("expectedStop: each curve read at the node's cadence; median; censored runs count as the bound", () => {
  const plan = { epochs: 100, evalEvery: 10, patience: 2 };
  // Best at 20, then 30 and 40 lower: stops at 40.
  const a = { lr: "x", evaluations: evals(10, [0, 0.2, 0.5, 0.4, 0.3, 0.6]) };
  // Evaluated every 5: read at 0, 10, 20, ...; best at 10, stops at 30 (15 and 25 unseen).
  const b = { lr: "x", evaluations: evals(5, [0, 0.1, 0.6, 0.9, 0.5, 0.95, 0.4, 0.99, 0.3]) };
  // Never stops within its 30 epochs: it says nothing below the bound, so it counts 100.
  const c = { lr: "x", evaluations: evals(10, [0, 0.1, 0.2, 0.3]) };
  // Evaluated every 4: misses epoch 10, so it cannot be read at this cadence.
  const d = { lr: "x", evaluations: evals(4, [0, 0.5, 0.1, 0.1, 0.1]) };
  assert.deepEqual(expectedStop([a], plan), { epoch: 40, runs: 1 });
  assert.deepEqual(expectedStop([b], plan), { epoch: 30, runs: 1 });
  assert.deepEqual(expectedStop([a, b, c], plan), { epoch: 40, runs: 3 });
  assert.deepEqual(expectedStop([a, c], plan), { epoch: 70, runs: 2 });
  assert.equal(expectedStop([d], plan), null);
  assert.equal(expectedStop([], plan), null);
});

Deno.test("cost model: a node with patience gets its bound and the stop earlier curves expect", async () => {
  const root = await Deno.makeTempDir({ prefix: "amr-cost-" });
  const store = new Store(root);
  await put(store, { key: hex("a"), stage: "dataset", params: { name: "ours" } });
  // An earlier full run: 100 epochs of 100 ms, 10 evaluations costing 2 s more; its curve
  // peaks at epoch 30 and stops improving, so patience 2 would have stopped it at 50.
  const rows = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((epoch, i) => ({
    epoch,
    loss: epoch ? 1 : null,
    hr10: null,
    ndcg10: [0, 0.1, 0.2, 0.3, 0.25, 0.2, 0.35, 0.1, 0.1, 0.1, 0.1][i],
  }));
  const text = curveCsv(rows);
  await put(store, {
    key: hex("c"),
    stage: "mf-bpr",
    params: { lr: [0.1, 0.1, 0] },
    inputs: input(hex("a")),
    durationMs: 12000,
    outputs: { "curve.csv": { sha256: sha256(text), size: text.length } },
    summary: { model: "mf-bpr", epochs: 100, meanEpochMs: 100 },
  });
  await Deno.writeTextFile(store.outputPath(hex("c"), "curve.csv"), text);
  const nodes: NodeSpec[] = [
    { id: "dataset", stage: st("dataset"), params: { name: "ours" }, inputs: {}, seed: 1 },
    { id: "g", stage: st("mf-bpr"), params: { patience: 2 }, inputs: {}, seed: 1 },
  ];
  const target = { name: "t", nodes, resultsDir: "", meta: {} };
  const price = await costModel(target, store, { artifactsRoot: root, items: null });
  const params = { epochs: 100, evalEvery: 10, patience: 2, lr: [0.1, 0.1, 0] };
  const g = price(n("mf-bpr", params));
  assert.equal(g.seconds, 12, "the bound: every planned epoch");
  // One run cannot separate evaluations from set-up: 2 s fixed + 50 of 100 epochs.
  assert.ok(Math.abs(g.expected! - 7) < 1e-9, String(g.expected));
  assert.match(g.source, /expected stop: median of 1 earlier curve at this lr/);
  // Another lr: the model's curves still price it, and the source says so.
  assert.match(price(n("mf-bpr", { ...params, lr: [1, 1, 0] })).source, /curve of mf-bpr/);
  // Without patience, no expected price.
  assert.equal(price(n("mf-bpr", { epochs: 100, evalEvery: 10 })).expected, undefined);
  // A curve whose bytes do not match its manifest gives no expectation.
  await Deno.writeTextFile(store.outputPath(hex("c"), "curve.csv"), text.replace("0.35", "0.36"));
  const forged = await costModel(target, store, { artifactsRoot: root, items: null });
  const f = forged(n("mf-bpr", params));
  assert.equal(f.expected, undefined);
  assert.match(f.source, /no earlier curve/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("cost model: a fused level's points share the set-up; a fused run is timed by its own seconds", async () => {
  const { root, store } = await storeWithOneVbprRun();
  const nodes: NodeSpec[] = [
    { id: "dataset", stage: st("dataset"), params: { name: "ours" }, inputs: {}, seed: 1 },
    ...fusedLevel(4),
  ];
  const target = { name: "t", nodes, resultsDir: "", meta: {} };
  const price = await costModel(target, store, { artifactsRoot: root, items: null });
  const fusedNode: GraphNode = { ...n("vbpr", { epochs: 20 }), fuse: "level" };
  // 0.5 s / 4 points + 20 x 0.1 s.
  assert.ok(Math.abs(price(fusedNode).seconds! - 2.125) < 1e-9, String(price(fusedNode).seconds));
  assert.match(price(fusedNode).source, /set-up shared by 4 fused points/);
  assert.ok(Math.abs(price(n("vbpr", { epochs: 20 })).seconds! - 2.5) < 1e-9);

  // A run made in a fused job of 4: its duration is a quarter of the job's 8 s; its own training
  // took 1.0 s for 10 epochs of 100 ms. Fused points are priced from it, by its own seconds (no
  // set-up left: 10 x 0.1 s), not by its share of the job (which would leave 1 s of set-up).
  await put(store, {
    key: hex("d"),
    stage: "vbpr",
    inputs: input(hex("a")),
    durationMs: 2000,
    fused: { nodes: 4, wallMs: 8000 },
    summary: { model: "vbpr", epochs: 10, meanEpochMs: 100, seconds: 1.0 },
  });
  const refit = await costModel(target, store, { artifactsRoot: root, items: null });
  const f = refit(fusedNode);
  assert.ok(
    Math.abs(f.seconds! - 2) < 1e-9,
    `${f.seconds}: the fused run's share of its job was used`,
  );
  assert.match(f.source, /earlier runs \(1\), fused; set-up shared by 4/);
  // A node alone is still priced from the run alone (0.5 s + 20 x 0.1 s).
  const alone = refit(n("vbpr", { epochs: 20 }));
  assert.ok(Math.abs(alone.seconds! - 2.5) < 1e-9, String(alone.seconds));
  assert.doesNotMatch(alone.source, /fused/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("cost model: fused points without fused runs take the bench's fused/alone epoch ratio", async () => {
  const root = await Deno.makeTempDir({ prefix: "amr-cost-" });
  const store = new Store(root);
  await Deno.mkdir(join(root, "bench"));
  await Deno.writeTextFile(
    join(root, "bench", "2026-01-01.json"),
    JSON.stringify({
      children: [{
        scale: "pinterest",
        threads: 1,
        epochS: { vbpr: [0.4, 0.4], "mf-bpr": [0.01] },
        fusedEpochS: { vbpr: [0.3, 0.3, 0.3] },
        fusedPoints: 6,
        evalS: [1],
      }],
    }),
  );
  const nodes = fusedLevel(2);
  const target = { name: "t", nodes, resultsDir: "", meta: {} };
  const price = await costModel(target, store, { artifactsRoot: root, items: 5000 });
  // Fused: 10 epochs at 0.4 s x 0.75, plus 2 evaluations of 1 s (epoch 0 and the last).
  const f = price({ ...n("vbpr", { epochs: 10 }), fuse: "level" });
  assert.ok(Math.abs(f.seconds! - (10 * 0.3 + 1)) < 1e-9, String(f.seconds));
  assert.match(
    f.source,
    /epochs x 0\.75 fused \(bench 2026-01-01, pinterest scale, 1 thread, fused group of 6\)/,
  );
  // Alone: the bench's epoch as it is; a model without a fused figure is not scaled.
  assert.ok(Math.abs(price(n("vbpr", { epochs: 10 })).seconds! - (10 * 0.4 + 1)) < 1e-9);
  const mf = price({ ...n("mf-bpr", { epochs: 10 }), fuse: "level" });
  assert.ok(Math.abs(mf.seconds! - (10 * 0.01 + 1)) < 1e-9, String(mf.seconds));
  await Deno.remove(root, { recursive: true });
});
