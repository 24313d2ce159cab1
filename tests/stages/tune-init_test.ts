/**
 * Unit tests of stages/tune-init.ts: the choice between DUIF's starts goes to the variant whose
 * best run has the better validation NDCG@10, and its `chosen.json` carries that start.
 */
import assert from "node:assert/strict";
import { bestVariant, stage } from "../../stages/tune-init.ts";
import { type Chosen, readChosen } from "../../stages/lib/chosen.ts";
import { writeJson } from "../../io/json.ts";
import { runNode } from "./data_helpers.ts";

/** A hand-made selection over two runs of one variant (`tag` in the labels). */
function selection(tag: string, ndcg: [number, number], lr: [number, number]): Chosen {
  const runs = ndcg.map((n, k) => ({
    label: `tune-duif@${tag}lr=${lr[k]},l2=0`,
    values: { epochs: 3 + k, lr: [lr[k], lr[k], lr[k]], regs: [0, 0, 0] } as Chosen["values"],
    point: { lr: lr[k], l2: 0 },
    bestEpoch: 3 + k,
    ndcg10: n,
    hr10: 2 * n,
    considered: true,
  }));
  const best = ndcg[1] > ndcg[0] ? runs[1] : runs[0];
  return {
    model: "duif",
    metric: "validation ndcg@10",
    source: `tune run ${best.label}`,
    values: best.values,
    best,
    grid: runs,
    onEdge: ["lr"],
    widening: [],
    wideningNote: "Best inside the base grid; not widened.",
  };
}

async function choose(scratch: Chosen, mf: Chosen): Promise<Chosen> {
  const root = await Deno.makeTempDir({ prefix: "amr_tune_init_" });
  try {
    await writeJson(`${root}/a.json`, scratch);
    await writeJson(`${root}/b.json`, mf);
    const outputs = {
      a: { "chosen.json": `${root}/a.json` },
      b: { "chosen.json": `${root}/b.json` },
    };
    await runNode(
      {
        id: "select-duif",
        stage,
        params: { model: "duif" },
        inputs: {
          scratch: { node: "a", output: "chosen.json" },
          "mf-bpr": { node: "b", output: "chosen.json" },
        },
        seed: 1,
      },
      outputs,
      root,
    );
    return await readChosen(`${root}/select-duif/chosen.json`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("tune-init: the start whose best validation NDCG@10 is higher wins, with its values", async () => {
  const scratch = selection("", [0.10, 0.12], [0.01, 0.05]);
  const mf = selection("init=mf-bpr,", [0.15, 0.11], [0.01, 0.05]);
  const out = await choose(scratch, mf);
  assert.equal(out.values.init, "mf-bpr");
  assert.deepEqual(out.values, {
    epochs: 3,
    lr: [0.01, 0.01, 0.01],
    regs: [0, 0, 0],
    init: "mf-bpr",
  });
  assert.equal(out.best.label, "tune-duif@init=mf-bpr,lr=0.01,l2=0");
  assert.equal(out.source, "tune run tune-duif@init=mf-bpr,lr=0.01,l2=0");
  assert.deepEqual(out.variants, [
    { init: "scratch", label: "tune-duif@lr=0.05,l2=0", ndcg10: 0.12, hr10: 0.24, chosen: false },
    {
      init: "mf-bpr",
      label: "tune-duif@init=mf-bpr,lr=0.01,l2=0",
      ndcg10: 0.15,
      hr10: 0.3,
      chosen: true,
    },
  ]);
  // Both grids, each run tagged with its start.
  assert.deepEqual(out.grid.map((g) => [g.label, g.values.init]), [
    ["tune-duif@lr=0.01,l2=0", "scratch"],
    ["tune-duif@lr=0.05,l2=0", "scratch"],
    ["tune-duif@init=mf-bpr,lr=0.01,l2=0", "mf-bpr"],
    ["tune-duif@init=mf-bpr,lr=0.05,l2=0", "mf-bpr"],
  ]);
  assert.match(out.wideningNote, /^init=mf-bpr: /);

  // The other way round: scratch's best beats MF's best.
  const back = await choose(
    selection("", [0.10, 0.20], [0.01, 0.05]),
    selection("init=mf-bpr,", [0.15, 0.11], [0.01, 0.05]),
  );
  assert.equal(back.values.init, "scratch");
  assert.deepEqual(back.values.lr, [0.05, 0.05, 0.05]);
  assert.equal(back.values.epochs, 4);
});

Deno.test("tune-init: a NaN loses, a tie keeps scratch, and another model's selection is refused", async () => {
  assert.equal(bestVariant([NaN, 0.01]), 1);
  assert.equal(bestVariant([0.01, NaN]), 0);
  assert.equal(bestVariant([0.2, 0.2]), 0);
  assert.equal(bestVariant([0.1, 0.3]), 1);
  const other = { ...selection("", [0.1, 0.2], [0.01, 0.05]), model: "vbpr" };
  await assert.rejects(
    choose(selection("", [0.1, 0.2], [0.01, 0.05]), other),
    /field "model": "vbpr", expected "duif"/,
  );
});
