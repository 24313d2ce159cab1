/**
 * Unit tests of stages/tune-select.ts; the tuning graph run end to end is
 * tests/e2e/tuning_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { edgeCoordinates } from "../../stages/tune-select.ts";
import { type Chosen, NO_GAIN, readChosen } from "../../stages/lib/chosen.ts";
import { type GridRun, selectNode } from "../../plan/tune.ts";
import { type Outputs, runNode } from "./data_helpers.ts";

Deno.test("edgeCoordinates: flags the smallest or largest value tried", () => {
  const points = [{ lr: 1, l2: 0 }, { lr: 2, l2: 0 }, { lr: 3, l2: 0 }];
  assert.deepEqual(edgeCoordinates(points, { lr: 2, l2: 0 }), []);
  assert.deepEqual(edgeCoordinates(points, { lr: 3, l2: 0 }), ["lr"]);
});

/**
 * A hand-made MF-eALS tuning run's `train_summary.json`, in the form stages/mf-eals.ts writes
 * it (`best` is the last sweep).
 */
function ealsSummary(c0: number, reg: number, ndcg10: number, hr10: number) {
  const at = { epoch: 2, hr10, ndcg10 };
  return {
    model: "mf-eals",
    phase: "tune",
    epochs: 2,
    hyper: { k: 16, reg, c0, alpha: 0.5, wPos: 1, initStd: 0.01 },
    source: `tune grid point c0=${c0}, reg=${reg}`,
    final: at,
    best: at,
  };
}

/** Runs `select-mf-eals` over hand-made summaries, one per grid point, in grid order. */
async function selectEals(
  points: { c0: number; reg: number; summary: Record<string, unknown> }[],
): Promise<Chosen> {
  const root = await Deno.makeTempDir({ prefix: "amr_select_eals_" });
  try {
    const outputs: Outputs = {};
    const runs: GridRun[] = [];
    for (const { c0, reg, summary } of points) {
      const label = `tune-mf-eals@c0=${c0},reg=${reg}`;
      const path = join(root, `${label}.json`);
      await Deno.writeTextFile(path, JSON.stringify(summary));
      outputs[label] = { "train_summary.json": path };
      runs.push({ label, point: { c0, reg } });
    }
    const node = selectNode("select-mf-eals", "mf-eals", runs, 1);
    await runNode(node, outputs, root);
    return await readChosen(outputs["select-mf-eals"]["chosen.json"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("tune-select on MF-eALS runs: picks the run with the best validation NDCG@10; chooses c0 and reg only", async () => {
  const grid: [number, number, number, number][] = [
    // c0, reg, validation NDCG@10, HR@10
    [64, 0, 0.10, 0.20],
    [64, 0.01, 0.12, 0.22],
    [256, 0, 0.15, 0.40], // the best HR@10, not the best NDCG@10
    [256, 0.01, 0.21, 0.35],
    [1024, 0, 0.11, 0.21],
    [1024, 0.01, 0.09, 0.19],
  ];
  const c = await selectEals(
    grid.map(([c0, reg, ndcg, hr]) => ({ c0, reg, summary: ealsSummary(c0, reg, ndcg, hr) })),
  );
  assert.equal(c.model, "mf-eals");
  assert.equal(c.best.label, "tune-mf-eals@c0=256,reg=0.01");
  // No epochs: the sweep count stays the profile's (only the last sweep is evaluated).
  assert.deepEqual(c.values, { c0: 256, reg: 0.01 });
  assert.equal(c.best.ndcg10, 0.21);
  assert.equal(c.best.bestEpoch, 2);
  assert.equal(c.source, "tune run tune-mf-eals@c0=256,reg=0.01");
  assert.deepEqual(c.grid.map((g) => g.ndcg10), grid.map((g) => g[2]));
  assert.deepEqual(c.onEdge, ["reg"]);
});

Deno.test("tune-select: a run summary with neither BPR nor MF-eALS hyper-parameters fails naming the run", async () => {
  const broken = ealsSummary(64, 0, 0.1, 0.2) as { hyper: Record<string, unknown> };
  delete broken.hyper.reg;
  await assert.rejects(
    selectEals([
      { c0: 64, reg: 0, summary: broken },
      { c0: 128, reg: 0, summary: ealsSummary(128, 0, 0.1, 0.2) },
    ]),
    /tune-mf-eals@c0=64,reg=0: .*field "hyper": expected either epochs, lr and regs .* or c0 and reg/,
  );
});

/** A warm-started AMR tuning run's summary: its start (epoch 0) and best trained epoch. */
function amrSummary(lambda: number, start: number, trained: { epoch: number; ndcg10: number }) {
  const at = (epoch: number, ndcg10: number) => ({ epoch, hr10: 2 * ndcg10, ndcg10 });
  const startRow = at(0, start);
  const trainedRow = at(trained.epoch, trained.ndcg10);
  return {
    model: "amr",
    phase: "tune",
    epochs: 3,
    hyper: { lr: [0.1, 0.1, 0.1], regs: [0, 0, 0], eps: 0.5, lambda },
    source: `tune grid point lambda=${lambda}`,
    init: "copied P, Q, E from the init inputs",
    final: trainedRow,
    best: start >= trained.ndcg10 ? startRow : trainedRow,
    start: startRow,
    bestTrained: trainedRow,
  };
}

/** Runs `select-amr` over hand-made summaries, one per lambda. */
async function selectAmr(points: { lambda: number; summary: unknown }[]): Promise<Chosen> {
  const root = await Deno.makeTempDir({ prefix: "amr_select_amr_" });
  try {
    const outputs: Outputs = {};
    const runs: GridRun[] = [];
    for (const { lambda, summary } of points) {
      const label = `tune-amr@lambda=${lambda}`;
      const path = join(root, `${label}.json`);
      await Deno.writeTextFile(path, JSON.stringify(summary));
      outputs[label] = { "train_summary.json": path };
      runs.push({ label, point: { lambda } });
    }
    const node = selectNode("select-amr", "amr", runs, 1);
    await runNode(node, outputs, root);
    return await readChosen(outputs["select-amr"]["chosen.json"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("tune-select: epoch 0 (the start) is never a candidate; runs are ranked by their best trained epoch", async () => {
  // lambda = 1's start scores highest of all, but its training only lowers it; lambda = 0.1
  // improves on its start. Ranked by epoch 0 the selection would pick lambda = 1 at "epoch 0"
  // (and train 1 epoch); ranked by trained epochs it picks lambda = 0.1 at epoch 2.
  const c = await selectAmr([
    { lambda: 0.1, summary: amrSummary(0.1, 0.2, { epoch: 2, ndcg10: 0.3 }) },
    { lambda: 1, summary: amrSummary(1, 0.5, { epoch: 3, ndcg10: 0.1 }) },
  ]);
  assert.equal(c.best.label, "tune-amr@lambda=0.1");
  assert.equal(c.values.epochs, 2);
  assert.equal(c.best.ndcg10, 0.3);
  assert.deepEqual(c.grid.map((g) => g.bestEpoch), [2, 3]);
  assert.deepEqual(c.grid.map((g) => g.beatsStart), [true, false]);
  assert.equal(c.startNote, undefined);
  assert.equal(c.source, "tune run tune-amr@lambda=0.1");
});

Deno.test("tune-select: when no trained epoch beats the start, chosen.json says so and trains the best trained epoch", async () => {
  const c = await selectAmr([
    { lambda: 0.1, summary: amrSummary(0.1, 0.5, { epoch: 3, ndcg10: 0.4 }) },
    { lambda: 1, summary: amrSummary(1, 0.5, { epoch: 2, ndcg10: 0.3 }) },
  ]);
  assert.equal(c.best.label, "tune-amr@lambda=0.1");
  // Not silently 1 epoch: the best trained epoch, and the reason stated.
  assert.equal(c.values.epochs, 3);
  assert.equal(c.best.beatsStart, false);
  assert.deepEqual(c.best.start, { ndcg10: 0.5, hr10: 1 });
  assert.equal(c.source, `tune run tune-amr@lambda=0.1 (${NO_GAIN})`);
  assert.match(c.startNote!, /no trained epoch beat the start: tune-amr@lambda=0\.1 scored/);
  assert.match(c.startNote!, /0\.5000 at epoch 0 .* 0\.4000 after training \(epoch 3\)/);
  assert.match(c.startNote!, /the final run trains 3 epochs/);
});

Deno.test("tune-select: a BPR run evaluated at epoch 0 only fails naming the run", async () => {
  const s = amrSummary(1, 0.5, { epoch: 3, ndcg10: 0.1 }) as Record<string, unknown>;
  s.bestTrained = null;
  await assert.rejects(
    selectAmr([{ lambda: 1, summary: s }]),
    /tune-amr@lambda=1: .*field "bestTrained": no evaluated epoch after the start/,
  );
});

Deno.test("tune-select: chosen.json records where each grid run stopped and why", async () => {
  const stoppedEarly = {
    ...amrSummary(0.1, 0.2, { epoch: 2, ndcg10: 0.3 }),
    epochs: 10,
    patience: 2,
    stopped: { epoch: 4, reason: "patience" },
  };
  const ranAll = {
    ...amrSummary(1, 0.2, { epoch: 3, ndcg10: 0.25 }),
    patience: null,
    stopped: { epoch: 3, reason: "epochs" },
  };
  const c = await selectAmr([
    { lambda: 0.1, summary: stoppedEarly },
    { lambda: 1, summary: ranAll },
  ]);
  // The best epoch is chosen as for a full run: epoch 2 of the run stopped at 4.
  assert.equal(c.values.epochs, 2);
  assert.deepEqual(c.grid.map((g) => g.stopped), [
    { epoch: 4, reason: "patience", patience: 2 },
    { epoch: 3, reason: "epochs", patience: null },
  ]);
  // A summary from before early stopping (no `stopped`) still selects, without the field.
  const old = await selectAmr([{
    lambda: 1,
    summary: amrSummary(1, 0.2, { epoch: 3, ndcg10: 0.25 }),
  }]);
  assert.equal(old.grid[0].stopped, undefined);
  // A reason the rule does not know is refused, naming the run and the field.
  await assert.rejects(
    () =>
      selectAmr([{ lambda: 1, summary: { ...ranAll, stopped: { epoch: 3, reason: "tired" } } }]),
    /tune-amr@lambda=1: .*field "stopped\.reason"/,
  );
});
