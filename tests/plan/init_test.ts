/** `--init official-vbpr` re-points every reader of the final VBPR's weights (plan/init.ts). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildGraph } from "../../pipeline/graph/graph.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile } from "../../config/profile.ts";
import { planNodes } from "../../plan/mod.ts";
import { OFFICIAL_EVAL, OFFICIAL_INIT_NOTE, withOfficialInit } from "../../plan/init.ts";

const CONFIGS = new URL("../../configs", import.meta.url).pathname;
const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
const smoke = await loadProfile(CONFIGS, "smoke");
const REF = { path: "/nonexistent/best-vbpr.npy", sha256: "0".repeat(64) };

Deno.test("--init official-vbpr: every reader of VBPR's weights, in every seed, reads the authors'", () => {
  const nodes = withOfficialInit(planNodes(dataset, smoke, { seeds: 2 }), REF, {
    seed: smoke.seed,
    k: smoke.k,
    coldMode: smoke.coldMode,
    tuned: false,
  });
  buildGraph(nodes);
  const weights = new Set(["P.npy", "Q.npy", "E.npy", "H.npy"]);
  const readers: string[] = [];
  for (const n of nodes) {
    for (const ref of Object.values(n.inputs)) {
      assert.ok(
        !(/^vbpr(#seed=\d+)?$/.test(ref.node) && weights.has(ref.output)),
        `${n.id} still reads ${ref.node}/${ref.output}`,
      );
      if (ref.node === "official-vbpr") readers.push(n.id);
    }
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (
    const id of ["amr", "vbpr-continued", "perturb-test", "amr#seed=1", "vbpr-continued#seed=1"]
  ) {
    assert.ok(readers.includes(id), id);
  }
  assert.equal(byId.get("perturb-test")!.inputs.vbpr_H.node, "official-vbpr");
  assert.ok(readers.some((id) => id.startsWith("amr@eps=")), "sweep runs");
  // Our VBPR is still evaluated, but Table 2's VBPR row and the report's paired tests (the
  // AMR > VBPR and cold/warm claims), in every seed, read the authors' weights' evaluation.
  assert.equal(byId.get("eval-vbpr")!.inputs.scores.node, "vbpr");
  const evaluation = byId.get(OFFICIAL_EVAL)!;
  assert.deepEqual(evaluation.inputs.scores, { node: "official-vbpr", output: "scores.npy" });
  assert.equal(evaluation.inputs.target.output, "test.npy");
  const official = byId.get("official-vbpr")!;
  assert.deepEqual(official.inputs.negatives, { node: "negatives", output: "negatives.npy" });
  for (const id of ["table2", "table2#seed=1"]) {
    assert.deepEqual(byId.get(id)!.inputs.vbpr, { node: OFFICIAL_EVAL, output: "metrics.npy" });
  }
  for (const id of ["report", "report#seed=1"]) {
    assert.equal(byId.get(id)!.inputs.vbpr_metrics.node, OFFICIAL_EVAL, id);
  }
  for (const n of nodes) {
    for (const ref of Object.values(n.inputs)) {
      assert.ok(!/^eval-vbpr(#seed=\d+)?$/.test(ref.node), `${n.id} still reads ${ref.node}`);
    }
  }
  // The report says exactly which nodes were re-pointed and which VBPR Table 2 shows.
  const run = (byId.get("report")!.params as { run: Record<string, string> }).run;
  assert.ok(run["VBPR weights"].startsWith(OFFICIAL_INIT_NOTE));
  for (const id of ["amr", "vbpr-continued", "perturb-test"]) {
    assert.match(run["VBPR weights"], new RegExp(`(: |, )${id}(,|;)`));
  }
  assert.match(run["VBPR weights"], /Table 2's VBPR row, AMR's stars and RI against VBPR/);
  assert.match(run["VBPR weights"], /authors' VBPR scored on our candidates \(eval-official-vbpr/);
  assert.doesNotMatch(run["VBPR weights"], /tuning runs that started at our VBPR/);
});

Deno.test("--init official-vbpr in a tuned profile: the report says AMR was tuned from our VBPR", async () => {
  const lite = await loadProfile(CONFIGS, "paper-lite");
  const nodes = withOfficialInit(planNodes(dataset, lite), REF, {
    seed: lite.seed,
    k: lite.k,
    coldMode: lite.coldMode,
    tuned: true,
  });
  buildGraph(nodes);
  const run = (nodes.find((n) => n.id === "report")!.params as { run: Record<string, string> })
    .run;
  assert.match(
    run["VBPR weights"],
    /AMR's settings were chosen from tuning runs that started at our VBPR \(tune-vbpr@chosen\)/,
  );
  // The tuning chain keeps our VBPR.
  const grid = nodes.find((n) => n.id.startsWith("tune-amr@"))!;
  assert.equal(grid.inputs.init_P.node, "tune-vbpr@chosen");
});

Deno.test("vbprForm eq2 with AMR is refused at planning time", () => {
  assert.throws(
    () => planNodes(dataset, { ...smoke, vbprForm: "eq2" }),
    /vbprForm "eq2" cannot be combined with AMR/,
  );
});
