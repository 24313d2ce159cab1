/** Wiring of the figure nodes (`plan/outputs.ts`) in the whole smoke graph. */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { buildGraph } from "../../pipeline/graph/graph.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile, type Profile } from "../../config/profile.ts";
import { planNodes } from "../../plan/mod.ts";
import { continuedStage } from "../../stages/vbpr.ts";
import { stage as evaluateStage } from "../../stages/evaluate.ts";

const CONFIGS = new URL("../../configs", import.meta.url).pathname;
const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
const smoke = await loadProfile(CONFIGS, "smoke");

function byId(profile: Profile): Map<string, NodeSpec> {
  const nodes = planNodes(dataset, profile);
  buildGraph(nodes); // valid wiring and params
  return new Map(nodes.map((n) => [n.id, n]));
}

Deno.test("Figure 3: vbpr-continued starts from vbpr's weights and trains for AMR's epochs", () => {
  const g = byId(smoke);
  const c = g.get("vbpr-continued")!;
  assert.equal(c.stage, continuedStage);
  for (const w of ["P", "Q", "E"]) {
    assert.deepEqual(c.inputs[`init_${w}`], { node: "vbpr", output: `${w}.npy` });
    assert.deepEqual(g.get("amr")!.inputs[`init_${w}`], { node: "vbpr", output: `${w}.npy` });
  }
  const p = c.params as Record<string, unknown>;
  assert.equal(p.epochs, smoke.models.amr.epochs);
  assert.deepEqual([p.lr, p.regs], [smoke.models.amr.lr, smoke.models.amr.regs]);
  assert.equal(p.evalEvery, smoke.evalEvery);
  assert.equal("lambda" in p, false, "continued VBPR is plain VBPR");
  const plot = g.get("plot")!;
  assert.deepEqual(plot.inputs.amr_curve, { node: "amr", output: "curve.csv" });
  assert.deepEqual(plot.inputs.vbpr_curve, { node: "vbpr-continued", output: "curve.csv" });
  assert.deepEqual(plot.inputs.mf_summary, { node: "eval-mf-bpr", output: "summary.json" });
});

Deno.test("lambda = 0 control: eval-vbpr-continued evaluates it like eval-amr; the report reads both", () => {
  const g = byId(smoke);
  const ev = g.get("eval-vbpr-continued")!;
  const amrEval = g.get("eval-amr")!;
  assert.equal(ev.stage, evaluateStage);
  assert.equal(amrEval.stage, evaluateStage);
  assert.deepEqual(ev.params, { phase: "final", model: "vbpr-continued" });
  assert.deepEqual(ev.inputs.scores, { node: "vbpr-continued", output: "scores.npy" });
  // Same users, targets and cold flags as AMR's evaluation.
  assert.deepEqual(ev.inputs.target, amrEval.inputs.target);
  assert.deepEqual(ev.inputs.train, amrEval.inputs.train);
  const report = g.get("report")!;
  assert.deepEqual(report.inputs.vbpr_continued_metrics, {
    node: "eval-vbpr-continued",
    output: "metrics.npy",
  });
  assert.deepEqual(report.inputs.amr_metrics, { node: "eval-amr", output: "metrics.npy" });
  assert.deepEqual(report.inputs.vbpr_metrics, { node: "eval-vbpr", output: "metrics.npy" });
  assert.deepEqual(report.inputs.cold, { node: "eval-amr", output: "cold.npy" });
});

Deno.test("sweeps: one AMR run per grid point from vbpr's weights, shared point built once", () => {
  const g = byId(smoke);
  const runs = [...g.keys()].filter((id) => id.startsWith("amr@"));
  const { sweepEps, sweepLambda } = smoke.figures;
  assert.equal(runs.length, sweepEps.length + sweepLambda.length - 1);
  for (const id of runs) {
    const n = g.get(id)!;
    assert.deepEqual(n.inputs.init_E, { node: "vbpr", output: "E.npy" });
    assert.equal((n.params as { epochs: number }).epochs, smoke.figures.sweepEpochs);
    assert.ok(g.has(`eval-${id}`));
  }
  // With AMR's own epochs, AMR's point reuses the amr node.
  const same = byId({
    ...smoke,
    figures: { ...smoke.figures, sweepEpochs: smoke.models.amr.epochs },
  });
  assert.equal([...same.keys()].filter((id) => id.startsWith("amr@")).length, runs.length - 1);
  const slots = Object.values(same.get("sweep-eps")!.inputs).map((r) => r.node);
  assert.ok(slots.includes("eval-amr"));
});

Deno.test("changing AMR's eps changes only AMR and what depends on it", () => {
  const a = byId(smoke);
  const b = byId({ ...smoke, models: { ...smoke.models, amr: { ...smoke.models.amr, eps: 0.2 } } });
  const changed = new Set<string>();
  for (const [id, n] of b) {
    const old = a.get(id);
    if (
      !old || JSON.stringify(old.params) !== JSON.stringify(n.params) ||
      JSON.stringify(old.inputs) !== JSON.stringify(n.inputs)
    ) changed.add(id);
  }
  // Close over dependants.
  let grew = true;
  while (grew) {
    grew = false;
    for (const [id, n] of b) {
      if (!changed.has(id) && Object.values(n.inputs).some((r) => changed.has(r.node))) {
        changed.add(id);
        grew = true;
      }
    }
  }
  for (
    const id of ["amr", "eval-amr", "table2", "perturb-test", "plot", "report", "sweep-lambda"]
  ) {
    assert.ok(changed.has(id), `${id} should rerun`);
  }
  for (
    const id of [
      "mf-bpr",
      "vbpr",
      "vbpr-continued",
      "eval-vbpr-continued",
      "duif",
      "eval-vbpr",
      "table1",
      "sweep-eps",
    ]
  ) {
    assert.ok(!changed.has(id), `${id} should stay cached`);
  }
});

Deno.test("perturb.source: smoke plans the paper's adversary only; paper-lite adds the test loss", async () => {
  const params = (p: Profile) => byId(p).get("perturb-test")!.params as Record<string, unknown>;
  assert.equal(smoke.perturb.source, "train");
  assert.equal(
    "source" in params(smoke),
    false,
    "the default leaves perturb-test's params as they were",
  );
  const lite = await loadProfile(CONFIGS, "paper-lite");
  assert.equal(lite.perturb.source, "test", "inherited from paper");
  assert.equal(params(lite).source, "test");
  const set = { ...smoke, perturb: { source: "test" as const } };
  assert.equal(params(set).source, "test");
});
