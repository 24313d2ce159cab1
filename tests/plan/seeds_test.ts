/** Replication over seeds (`plan/seeds.ts`) in the smoke graph. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildGraph } from "../../pipeline/dag.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile } from "../../config/profile.ts";
import { planNodes } from "../../plan/mod.ts";
import { seedNodeId } from "../../plan/seeds.ts";
import { seedSlot } from "../../stages/seeds.ts";

const CONFIGS = new URL("../../configs", import.meta.url).pathname;
const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
const smoke = await loadProfile(CONFIGS, "smoke");

Deno.test("seeds: one seed is the plain graph; N seeds replicate the final part only", () => {
  const one = planNodes(dataset, smoke);
  assert.deepEqual(planNodes(dataset, smoke, { seeds: 1 }), one);
  assert.ok(!one.some((n) => n.id === "seeds"));
  const three = planNodes(dataset, smoke, { seeds: 3 });
  buildGraph(three);
  const byId = new Map(three.map((n) => [n.id, n]));
  // Replicate 0 is the plain graph, node for node.
  for (const n of one) assert.deepEqual(byId.get(n.id), n, n.id);
  const data = ["dataset", "filter-users", "split", "negatives", "features", "table1"];
  for (const id of data) assert.ok(!byId.has(seedNodeId(id, 1)), id);
  const finals = one.filter((n) => !data.includes(n.id));
  for (const s of [1, 2]) {
    for (const n of finals) {
      const r = byId.get(seedNodeId(n.id, s));
      assert.ok(r, `${n.id} seed ${s}`);
      assert.notEqual(r.seed, n.seed, `${n.id}: replicate ${s} has its own seed`);
      for (const [name, ref] of Object.entries(r.inputs)) {
        const orig = n.inputs[name];
        // References into the final part follow the replicate; data references stay shared.
        const expected = data.includes(orig.node) ? orig.node : seedNodeId(orig.node, s);
        assert.equal(ref.node, expected, `${r.id}.${name}`);
      }
      for (const path of Object.values(r.publish ?? {})) {
        assert.ok(path.startsWith(`seeds/${s}/`), path);
      }
    }
  }
  const seeds = byId.get("seeds")!;
  assert.deepEqual((seeds.params as { seeds: number[] }).seeds, [7, 8, 9]);
  assert.equal(seeds.inputs[seedSlot("table2", 0)].node, "table2");
  assert.equal(seeds.inputs[seedSlot("table2", 2)].node, seedNodeId("table2", 2));
  assert.equal(seeds.inputs[seedSlot("claims", 1)].node, seedNodeId("report", 1));
  // The report of a replicate records its own root seed.
  const run = (byId.get(seedNodeId("report", 2))!.params as { run: { seed: number } }).run;
  assert.equal(run.seed, 9);
});
