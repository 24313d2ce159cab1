/**
 * Unit tests of stages/tune-select.ts; the tuning graph run end to end is
 * tests/e2e/tuning_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { edgeCoordinates } from "../../stages/tune-select.ts";
import { type Chosen, readChosen } from "../../stages/lib/chosen.ts";
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
