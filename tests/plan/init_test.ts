/** `--init official-vbpr` re-points every reader of the final VBPR's weights (plan/init.ts). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildGraph } from "../../pipeline/graph/graph.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile } from "../../config/profile.ts";
import { planNodes } from "../../plan/mod.ts";
import { OFFICIAL_INIT_NOTE, withOfficialInit } from "../../plan/init.ts";

const CONFIGS = new URL("../../configs", import.meta.url).pathname;
const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
const smoke = await loadProfile(CONFIGS, "smoke");
const REF = { path: "/nonexistent/best-vbpr.npy", sha256: "0".repeat(64) };

Deno.test("--init official-vbpr: every reader of VBPR's weights, in every seed, reads the authors'", () => {
  const nodes = withOfficialInit(planNodes(dataset, smoke, { seeds: 2 }), REF, {
    seed: smoke.seed,
    k: smoke.k,
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
  // Table 2's VBPR row stays ours, and the report says exactly which nodes were re-pointed.
  assert.equal(byId.get("eval-vbpr")!.inputs.scores.node, "vbpr");
  const run = (byId.get("report")!.params as { run: Record<string, string> }).run;
  assert.ok(run["VBPR weights"].startsWith(OFFICIAL_INIT_NOTE));
  for (const id of ["amr", "vbpr-continued", "perturb-test"]) {
    assert.match(run["VBPR weights"], new RegExp(`(: |, )${id}(,|;)`));
  }
  assert.match(run["VBPR weights"], /Table 2's VBPR row \(eval-vbpr\) is our VBPR/);
});

Deno.test("vbprForm eq2 with AMR is refused at planning time", () => {
  assert.throws(
    () => planNodes(dataset, { ...smoke, vbprForm: "eq2" }),
    /vbprForm "eq2" cannot be combined with AMR/,
  );
});
