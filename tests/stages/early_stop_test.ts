/**
 * A model stage with `patience` (stages/lib/bpr_stage.ts): it stops at the first evaluation
 * that leaves NDCG@10 without gain for `patience` evaluations, its curve is the full run's up to
 * there, its weights and scores are those of a run planned for exactly that many epochs (the
 * same generator path), and `train_summary.json` says where and why it stopped.
 */
import assert from "node:assert/strict";
import { parseCurveCsv } from "../../io/curve.ts";
import { phaseInputs } from "../../plan/models.ts";
import { npyBody, runModelNode, smokeSetup } from "./model_helpers.ts";

Deno.test("patience: stops where the validation curve says, as a shorter planned run would", async () => {
  const s = await smokeSetup();
  try {
    const node = s.nodes.get("mf-bpr")!;
    const tune = (id: string, extra: Record<string, unknown>) =>
      runModelNode(s, {
        ...node,
        id,
        // A large learning rate makes the smoke curve peak early and then wander.
        params: {
          ...(node.params as object),
          phase: "tune",
          epochs: 40,
          evalEvery: 2,
          lr: [0.5, 0.5, 0],
          ...extra,
        },
        inputs: phaseInputs("tune"),
      });
    const full = await tune("full", {});
    const fullCurve = parseCurveCsv(await Deno.readTextFile(full["curve.csv"]));
    const patience = 2;
    // Where the rule stops, computed here by hand on the full curve's evaluations.
    const evals = fullCurve.filter((r) => r.ndcg10 !== null);
    let best = -Infinity;
    let since = 0;
    let stop = 40;
    for (const r of evals) {
      if (r.ndcg10! > best) [best, since] = [r.ndcg10!, 0];
      else since++;
      if (r.epoch > 0 && since >= patience) {
        stop = r.epoch;
        break;
      }
    }
    assert.ok(stop < 40, `the smoke curve should stop early: ${evals.map((r) => r.ndcg10)}`);

    const early = await tune("early", { patience });
    const curve = parseCurveCsv(await Deno.readTextFile(early["curve.csv"]));
    assert.deepEqual(curve, fullCurve.filter((r) => r.epoch <= stop));
    const summary = JSON.parse(await Deno.readTextFile(early["train_summary.json"]));
    assert.deepEqual(summary.stopped, { epoch: stop, reason: "patience" });
    assert.equal(summary.patience, patience);
    assert.equal(summary.epochs, 40, "the planned epochs stay the bound");
    assert.equal(summary.epochMs.length, stop);

    const short = await tune("short", { epochs: stop });
    for (const f of ["scores.npy", "P.npy", "Q.npy"]) {
      assert.deepEqual(await npyBody(early[f]), await npyBody(short[f]), f);
    }
    const fullSummary = JSON.parse(await Deno.readTextFile(full["train_summary.json"]));
    assert.deepEqual(fullSummary.stopped, { epoch: 40, reason: "epochs" });
    assert.equal(fullSummary.patience, null);
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});
