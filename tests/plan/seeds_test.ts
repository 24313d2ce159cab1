/** Replication over seeds (`plan/seeds.ts`) in the smoke graph. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildGraph } from "../../pipeline/graph/graph.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile } from "../../config/profile.ts";
import { planNodes } from "../../plan/mod.ts";
import { DATA_REDRAWN, seedNodeId } from "../../plan/seeds.ts";
import { keyOf } from "../../pipeline/graph/keys.ts";
import type { NodeSpec } from "../../pipeline/mod.ts";
import { MAX_SEEDS, seedSlot } from "../../stages/seeds.ts";
import { stage as plotSeedsStage } from "../../stages/plot-seeds.ts";
import { FIGURE_IDS } from "../../figures/registry.ts";

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

Deno.test("seeds: --seeds 3 plans plot-seeds over every replicate's plot data", () => {
  assert.ok(!planNodes(dataset, smoke).some((n) => n.id === "plot-seeds"));
  const byId = new Map(planNodes(dataset, smoke, { seeds: 3 }).map((n) => [n.id, n]));
  const node = byId.get("plot-seeds")!;
  assert.equal(node.stage, plotSeedsStage);
  assert.deepEqual(node.params, {
    dataset: "smoke",
    seeds: [7, 8, 9],
    evalEvery: smoke.evalEvery,
    rankEps: smoke.figures.rankEps,
    vary: "training",
  });
  // Slots 0-2 read the replicates' plot data; the unused slots repeat seed 0.
  const slots = Array.from(
    { length: MAX_SEEDS },
    (_, k) => node.inputs[seedSlot("figure_data", k)],
  );
  assert.deepEqual(slots.slice(0, 3).map((r) => r.node), ["plot", "plot#seed=1", "plot#seed=2"]);
  for (const r of slots) {
    assert.equal(r.output, "figures/figure_data.json");
    assert.ok(byId.get(r.node)!.stage.outputs.includes(r.output), r.node);
  }
  assert.ok(slots.slice(3).every((r) => r.node === "plot"));
  // Published: the five figures under figures/seeds/, the data, the page.
  const published = Object.values(node.publish!).sort();
  assert.deepEqual(
    published,
    [
      ...FIGURE_IDS.flatMap((id) =>
        ["png", "svg", "vl.json"].map((e) => `figures/seeds/${id}.${e}`)
      ),
      "data/figures_seeds.json",
      "figures_seeds.md",
    ].sort(),
  );
  // No other node publishes there.
  for (const n of byId.values()) {
    if (n.id === "plot-seeds") continue;
    for (const path of Object.values(n.publish ?? {})) assert.ok(!published.includes(path), path);
  }
});

/** The key a node would get on the same upstream outputs: only its own parts differ. */
function keyOnSameInputs(n: NodeSpec): string {
  return keyOf({
    stage: n.stage.name,
    code: "same code",
    params: n.params,
    seed: n.seed,
    inputs: Object.fromEntries(Object.keys(n.inputs).map((k) => [k, `sha of ${k}`])),
    runtime: {},
  });
}

Deno.test("seeds: --seeds-vary training shares one split; data redraws split, negatives, Table 1", () => {
  // training (the default, and what an absent option means): every replicate reads the one
  // split and the one set of negatives.
  const training = planNodes(dataset, smoke, { seeds: 3, seedsVary: "training" });
  assert.deepEqual(training, planNodes(dataset, smoke, { seeds: 3 }));
  const tById = new Map(training.map((n) => [n.id, n]));
  assert.equal(training.filter((n) => n.stage.name === "split").length, 1);
  for (const s of [1, 2]) {
    const amr = tById.get(seedNodeId("amr", s))!;
    assert.equal(amr.inputs.train.node, "split");
    assert.equal(amr.inputs.negatives.node, "negatives");
  }
  assert.equal((tById.get("seeds")!.params as { vary: string }).vary, "training");

  const data = planNodes(dataset, smoke, { seeds: 3, seedsVary: "data" });
  buildGraph(data);
  const byId = new Map(data.map((n) => [n.id, n]));
  // Replicate 0 is still the plain run, node for node (same ids, seeds, params).
  for (const n of planNodes(dataset, smoke)) assert.deepEqual(byId.get(n.id), n, n.id);
  const splits = [0, 1, 2].map((s) => byId.get(seedNodeId("split", s))!);
  assert.equal(data.filter((n) => n.stage.name === "split").length, 3);
  assert.equal(new Set(splits.map((n) => n.seed)).size, 3, "each split has its own seed");
  assert.equal(new Set(splits.map(keyOnSameInputs)).size, 3, "and so its own key");
  // On the same filtered interactions: only the seed differs.
  for (const n of splits) assert.equal(n.inputs.interactions.node, "filter-users");
  for (const s of [1, 2]) {
    for (const id of DATA_REDRAWN) {
      const r = byId.get(seedNodeId(id, s))!;
      assert.ok(r, `${id} seed ${s}`);
      assert.notEqual(r.seed, byId.get(id)!.seed, `${id} seed ${s}`);
      for (const path of Object.values(r.publish ?? {})) assert.ok(path.startsWith(`seeds/${s}/`));
    }
    assert.equal(byId.get(seedNodeId("negatives", s))!.inputs.train.node, seedNodeId("split", s));
    assert.equal(byId.get(seedNodeId("amr", s))!.inputs.train.node, seedNodeId("split", s));
    const amr = byId.get(seedNodeId("amr", s))!;
    assert.equal(amr.inputs.negatives.node, seedNodeId("negatives", s));
    assert.equal(byId.get(seedNodeId("eval-amr", s))!.inputs.target.node, seedNodeId("split", s));
    // What no split changes stays shared.
    for (const id of ["dataset", "filter-users", "features"]) {
      assert.ok(!byId.has(seedNodeId(id, s)), id);
    }
  }
  // The data seeds follow the replicate's root seed, as a plain run with that seed would draw.
  const seed8 = planNodes(dataset, { ...smoke, seed: 8 });
  assert.equal(byId.get(seedNodeId("split", 1))!.seed, seed8.find((n) => n.id === "split")!.seed);
  assert.equal((byId.get("seeds")!.params as { vary: string }).vary, "data");
  assert.equal((byId.get("plot-seeds")!.params as { vary: string }).vary, "data");
});

Deno.test("seeds: --seeds-vary data is refused for the authors' fixed split", async () => {
  const pinterest = await loadDatasetConfig("pinterest", join(CONFIGS, "datasets"));
  assert.throws(
    () => planNodes(pinterest, smoke, { seeds: 3, seedsVary: "data" }),
    /--seeds-vary data: dataset pinterest is authors-split: its split and test negatives are the authors' files/,
  );
});
