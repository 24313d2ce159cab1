/**
 * The tuning protocol end to end (stages/tune-select.ts, plan/tune.ts): a small grid on the
 * smoke dataset runs through Table 2 (stage by stage, without the engine's store); each
 * selection picks the grid run with the best validation NDCG@10; the final models take the
 * chosen values and record their source.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildGraph, closure } from "../../pipeline/graph/graph.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile, profileSchema } from "../../config/profile.ts";
import { readChosen } from "../../stages/lib/chosen.ts";
import { planNodes } from "../../plan/mod.ts";
import { type Outputs, runNode } from "../stages/data_helpers.ts";

const CONFIGS = new URL("../../configs", import.meta.url).pathname;

Deno.test("tuning: grids, selections and final models wired through chosen.json", async () => {
  const root = await Deno.makeTempDir({ prefix: "amr_tune_" });
  try {
    const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
    const smoke = await loadProfile(CONFIGS, "smoke");
    const profile = profileSchema.parse({
      ...smoke,
      models: {
        ...smoke.models,
        "mf-bpr": { ...smoke.models["mf-bpr"], epochs: 4 },
        duif: { ...smoke.models.duif, epochs: 4 },
        vbpr: { ...smoke.models.vbpr, epochs: 4 },
        amr: { ...smoke.models.amr, epochs: 4 },
        "mf-eals": { ...smoke.models["mf-eals"], iterations: 2 },
      },
      tune: {
        epochs: 4,
        evalEvery: 2,
        lr: [0.01, 0.05],
        l2: [0, 0.0001],
        eps: [0.1, 1],
        lambda: [0.1, 1],
        c0: [64, 512],
        reg: [0, 0.01],
      },
    });
    const graph = buildGraph(planNodes(dataset, profile));
    const ids = graph.order.map((n) => n.id);
    for (
      const id of [
        "select-mf-eals",
        "select-mf-bpr",
        "select-duif",
        "select-vbpr",
        "select-amr-eps",
        "select-amr",
      ]
    ) {
      assert.ok(ids.includes(id), id);
    }
    assert.ok(ids.includes("tune-vbpr@lr=0.05,l2=0.0001"));
    assert.equal(graph.byId.get("amr")!.stage.name, "amr-tuned");
    const outputs: Outputs = {};
    // Only what Table 2 needs (later figure nodes are tested by their own tests).
    for (const node of closure(graph, ["table2"])) await runNode(node, outputs, root);

    // select-vbpr picked the considered grid run with the best validation NDCG@10 (4 base
    // points; widening by 1 step: lr 0.005 and 0.25 at both l2, l2 0.001 at both lr).
    const vbpr = await readChosen(outputs["select-vbpr"]["chosen.json"]);
    assert.equal(vbpr.grid.length, 10);
    assert.equal(vbpr.grid.filter((g) => !g.extension).length, 4);
    assert.ok(vbpr.wideningNote.length > 0);
    const best = Math.max(...vbpr.grid.filter((g) => g.considered).map((g) => g.ndcg10));
    assert.equal(vbpr.best.ndcg10, best);
    assert.ok(vbpr.source.startsWith(`tune run ${vbpr.best.label}`), vbpr.source);
    const run = JSON.parse(await Deno.readTextFile(outputs[vbpr.best.label]["train_summary.json"]));
    assert.equal(run.phase, "tune");
    // Ranked by the best trained epoch: epoch 0 (MF-BPR's P and Q) is never a candidate.
    assert.equal(run.bestTrained.ndcg10, best);
    assert.deepEqual(vbpr.values.lr, run.hyper.lr);
    assert.equal(vbpr.values.epochs, run.bestTrained.epoch);
    assert.equal(vbpr.best.beatsStart, run.bestTrained.ndcg10 > run.start.ndcg10);
    assert.equal(vbpr.startNote === undefined, vbpr.best.beatsStart);

    // The eps grid used VBPR's chosen lr and regs; the final AMR uses select-amr's values.
    const epsRun = JSON.parse(
      await Deno.readTextFile(outputs["tune-amr@eps=1"]["train_summary.json"]),
    );
    assert.deepEqual(epsRun.hyper.lr, vbpr.values.lr);
    assert.equal(epsRun.hyper.lambda, 1);
    const amrChoice = await readChosen(outputs["select-amr"]["chosen.json"]);
    const epsChoice = await readChosen(outputs["select-amr-eps"]["chosen.json"]);
    assert.equal(amrChoice.values.eps, epsChoice.values.eps);
    const finalAmr = JSON.parse(await Deno.readTextFile(outputs.amr["train_summary.json"]));
    assert.equal(finalAmr.phase, "final");
    assert.equal(finalAmr.epochs, amrChoice.values.epochs);
    assert.equal(finalAmr.hyper.eps, amrChoice.values.eps);
    assert.equal(finalAmr.hyper.lambda, amrChoice.values.lambda);
    assert.ok(finalAmr.source.startsWith(`tune run ${amrChoice.best.label}`), finalAmr.source);

    // MF-eALS: the final node trains with select-mf-eals's c0 and reg at the profile's sweeps,
    // and its choice is the considered run with the best validation NDCG@10.
    const eals = await readChosen(outputs["select-mf-eals"]["chosen.json"]);
    const ealsBest = Math.max(...eals.grid.filter((g) => g.considered).map((g) => g.ndcg10));
    assert.equal(eals.best.ndcg10, ealsBest);
    assert.deepEqual(Object.keys(eals.values).sort(), ["c0", "reg"]);
    const finalEals = JSON.parse(await Deno.readTextFile(outputs["mf-eals"]["train_summary.json"]));
    assert.equal(graph.byId.get("mf-eals")!.stage.name, "mf-eals-tuned");
    assert.deepEqual([finalEals.hyper.c0, finalEals.hyper.reg], [eals.values.c0, eals.values.reg]);
    assert.equal(finalEals.epochs, profile.models["mf-eals"].iterations);
    assert.ok(finalEals.source.startsWith(`tune run ${eals.best.label}`), finalEals.source);
    await Deno.stat(outputs.table2["table2.md"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
