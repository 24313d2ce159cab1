/** The paper-lite profile plans exactly the paper profile's graph; the tuned wiring. */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { buildGraph } from "../../pipeline/graph/graph.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile } from "../../config/profile.ts";
import { planNodes } from "../../plan/mod.ts";

const CONFIGS = new URL("../../configs", import.meta.url).pathname;
const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
const paper = await loadProfile(CONFIGS, "paper");
const lite = await loadProfile(CONFIGS, "paper-lite");

/** A node's shape: id, stage and input wiring (what paper-lite must share with paper). */
function shape(n: NodeSpec): string {
  const inputs = Object.entries(n.inputs).map(([k, r]) => `${k}=${r.node}/${r.output}`).sort();
  return `${n.id} ${n.stage.name} ${inputs.join(" ")}`;
}

Deno.test("paper-lite: the paper's graph node for node, only budgets differ", () => {
  const a = planNodes(dataset, paper);
  const b = planNodes(dataset, lite);
  buildGraph(b);
  assert.deepEqual(b.map(shape), a.map(shape));
  assert.deepEqual(lite.tune!.lr, paper.tune!.lr);
  assert.deepEqual(lite.tune!.l2, paper.tune!.l2);
  assert.deepEqual([lite.tune!.c0, lite.tune!.reg], [paper.tune!.c0, paper.tune!.reg]);
  assert.deepEqual(lite.figures, { ...paper.figures, sweepEpochs: lite.figures.sweepEpochs });
  assert.ok(lite.tune!.epochs < 10 && lite.models.amr.epochs < 10);
});

Deno.test("tuned: every node downstream of AMR's selection reads its chosen.json", () => {
  const nodes = planNodes(dataset, lite);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const fromSelect = (id: string) => byId.get(id)!.inputs.hyper?.node;
  const overrideOf = (id: string) => (byId.get(id)!.params as { override: string[] }).override;
  assert.equal(fromSelect("amr"), "select-amr");
  // The lambda = 0 control trains the chosen epochs with the chosen lr and regs.
  assert.equal(fromSelect("vbpr-continued"), "select-amr");
  assert.deepEqual(overrideOf("vbpr-continued"), ["epochs", "lr", "regs"]);
  // Every sweep run takes the chosen epochs, lr, regs and the coordinate it holds fixed, so
  // the point at the chosen (eps, lambda) trains as Table 2's AMR does (not `sweepEpochs`).
  const sweepRuns = nodes.filter((n) => n.id.startsWith("amr@"));
  assert.equal(sweepRuns.length, paper.figures.sweepEps.length + paper.figures.sweepLambda.length);
  for (const n of sweepRuns) {
    assert.equal(fromSelect(n.id), "select-amr", n.id);
    const held = n.id.includes("lambda=chosen") ? "lambda" : "eps";
    assert.match(n.id, new RegExp(`${held}=chosen`));
    assert.deepEqual(overrideOf(n.id), ["epochs", "lr", "regs", held], n.id);
  }
  // Each sweep reads its runs' training summaries (what they used) as well as their scores.
  const sweep = byId.get("sweep-eps")!;
  assert.equal(sweep.inputs.train00.node, sweep.inputs.run00.node.replace(/^eval-/, ""));
  // Final baselines take their own selections.
  for (const m of ["mf-bpr", "duif", "vbpr"]) assert.equal(fromSelect(m), `select-${m}`);
});

Deno.test("tuned: MF-eALS's c0 x reg grid (widened) runs in phase tune; the final mf-eals reads select-mf-eals", () => {
  const nodes = planNodes(dataset, lite);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const tune = lite.tune!;
  const grid = nodes.filter((n) => n.id.startsWith("tune-mf-eals@"));
  // Base grid, then one widening step per side: c0 below and above, reg above (none below 0).
  const widened = 2 * tune.reg.length + (tune.reg.includes(0) ? 1 : 2) * tune.c0.length;
  assert.equal(grid.length, tune.c0.length * tune.reg.length + widened);
  for (const c0 of tune.c0) {
    for (const reg of tune.reg) {
      assert.ok(byId.has(`tune-mf-eals@c0=${c0},reg=${reg}`), `${c0} ${reg}`);
    }
  }
  for (const n of grid) {
    const p = n.stage.params.parse(n.params) as Record<string, unknown>;
    assert.equal(n.stage.name, "mf-eals", n.id);
    assert.equal(p.phase, "tune", n.id);
    assert.equal(n.inputs.target.output, "validation.npy", n.id);
    assert.equal(n.inputs.negatives.output, "validation_negatives.npy", n.id);
    assert.equal(n.id, `tune-mf-eals@c0=${p.c0},reg=${p.reg}`);
    assert.equal(p.iterations, lite.models["mf-eals"].iterations, n.id);
  }
  const select = byId.get("select-mf-eals")!;
  assert.equal(select.stage.name, "tune-select");
  const runs = (select.params as { runs: { label: string }[] }).runs.map((r) => r.label);
  assert.deepEqual(runs, grid.map((n) => n.id));
  for (const [slot, ref] of Object.entries(select.inputs)) {
    assert.ok(runs.includes(ref.node) && ref.output === "train_summary.json", slot);
  }
  const final = byId.get("mf-eals")!;
  assert.equal(final.stage.name, "mf-eals-tuned");
  assert.deepEqual(final.inputs.hyper, { node: "select-mf-eals", output: "chosen.json" });
  assert.deepEqual((final.params as { override: string[] }).override, ["c0", "reg"]);
  assert.equal(final.inputs.target.output, "test.npy");
  // Without tune, MF-eALS keeps its static settings and reads no selection.
  const plain = planNodes(dataset, { ...lite, tune: null }).find((n) => n.id === "mf-eals")!;
  assert.equal(plain.stage.name, "mf-eals");
  assert.equal(plain.inputs.hyper, undefined);
  assert.ok(!("override" in (plain.params as object)));
});

Deno.test("tuned DUIF: validation chooses between the scratch and the MF-started grid", () => {
  for (const profile of [paper, lite]) {
    const nodes = planNodes(dataset, profile);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const choice = byId.get("select-duif")!;
    assert.equal(choice.stage.name, "tune-init");
    assert.deepEqual(
      Object.fromEntries(Object.entries(choice.inputs).map(([k, r]) => [k, r.node])),
      { scratch: "select-duif@init=scratch", "mf-bpr": "select-duif@init=mf-bpr" },
    );
    const runsOf = (select: string) =>
      (byId.get(select)!.params as { runs: { label: string; point: object }[] }).runs;
    const scratch = runsOf("select-duif@init=scratch");
    const mf = runsOf("select-duif@init=mf-bpr");
    // The same grid (with widening) from both starts.
    assert.deepEqual(mf.map((r) => r.point), scratch.map((r) => r.point));
    assert.ok(scratch.length > 20, `${scratch.length} runs`);
    for (const r of scratch) {
      const n = byId.get(r.label)!;
      assert.match(r.label, /^tune-duif@lr=[^,]+,l2=[^,]+$/);
      assert.equal(n.stage.name, "duif");
      assert.ok(!("init" in (n.params as object)) && !("init_P" in n.inputs), r.label);
    }
    for (const r of mf) {
      const n = byId.get(r.label)!;
      assert.match(r.label, /^tune-duif@init=mf-bpr,lr=/);
      assert.equal(n.stage.name, "duif-from-mf");
      assert.equal((n.params as { init: string }).init, "mf-bpr");
      assert.deepEqual(n.inputs.init_P, { node: "tune-mf-bpr@chosen", output: "P.npy" });
      // Same settings as the scratch run at the same point, but for the start.
      const twin = byId.get(r.label.replace("init=mf-bpr,", ""))!;
      const { init: _i, ...rest } = n.params as Record<string, unknown>;
      assert.deepEqual(rest, twin.params, r.label);
    }
    // The final DUIF takes the start with the epochs, lr and regs, MF-BPR's P always wired.
    const duif = byId.get("duif")!;
    assert.equal(duif.stage.name, "duif-tuned");
    assert.equal(duif.inputs.hyper.node, "select-duif");
    assert.deepEqual(duif.inputs.init_P, { node: "mf-bpr", output: "P.npy" });
    assert.deepEqual((duif.params as { override: string[] }).override, [
      "epochs",
      "lr",
      "regs",
      "init",
    ]);
  }
});

Deno.test("the lambda = 0 control and every sweep run draw AMR's triples (AMR's seed), in every profile", async () => {
  const smoke = await loadProfile(CONFIGS, "smoke");
  const def = await loadProfile(CONFIGS, "default");
  for (const profile of [lite, paper, smoke, def]) {
    const nodes = planNodes(dataset, profile, { seeds: 2 });
    const seedOf = new Map(nodes.map((n) => [n.id, n.seed]));
    for (const suffix of ["", "#seed=1"]) {
      const amr = seedOf.get(`amr${suffix}`)!;
      assert.equal(seedOf.get(`vbpr-continued${suffix}`), amr, `${profile.name}${suffix}`);
      const sweeps = nodes.filter((n) => n.id.startsWith("amr@") && n.id.endsWith(suffix));
      assert.ok(sweeps.length > 0);
      for (const n of sweeps) {
        if (suffix === "" && n.id.includes("#")) continue;
        assert.equal(n.seed, amr, `${profile.name}: ${n.id}`);
      }
    }
    // Replicates still differ from each other.
    assert.notEqual(seedOf.get("amr"), seedOf.get("amr#seed=1"));
  }
});

Deno.test("the report's run header plans no AMR or sweep settings (it reads them from what ran)", () => {
  for (const profile of [lite, paper]) {
    const report = planNodes(dataset, profile).find((n) => n.id === "report")!;
    const run = (report.params as { run: Record<string, unknown> }).run;
    for (const k of ["AMR epochs", "AMR eps", "AMR lambda", "sweep epochs"]) {
      assert.ok(!(k in run), `${profile.name}: ${k} planned as ${run[k]}`);
    }
  }
});
