/** Per-dataset overrides in profiles (`datasets` in config/profile.ts). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile, profileForDataset } from "../../config/profile.ts";
import { planNodes } from "../../plan/mod.ts";
import { paperDatasetOf } from "../../config/paper.ts";

const CONFIGS = new URL("../../configs", import.meta.url).pathname;

Deno.test("profiles: the paper's Amazon optimum (eps 1, lambda 0.1) applies to Amazon only", async () => {
  for (const name of ["default", "paper"]) {
    const profile = await loadProfile(CONFIGS, name);
    const amazon = profileForDataset(
      profile,
      "synthetic-amazon",
      paperDatasetOf("synthetic-amazon"),
    );
    assert.equal(amazon.models.amr.eps, 1);
    assert.equal(amazon.models.amr.lambda, 0.1);
    assert.deepEqual(amazon.models.amr.lr, profile.models.amr.lr); // the rest is unchanged
    const pinterest = profileForDataset(profile, "synthetic-pinterest", "pinterest");
    assert.equal(pinterest, profile);
    assert.equal(pinterest.models.amr.eps, 0.1);
    assert.equal(pinterest.models.amr.lambda, 1);
  }
  // The sweeps hold the dataset's optimum fixed.
  const profile = await loadProfile(CONFIGS, "default");
  const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
  const nodes = planNodes(dataset, profileForDataset(profile, "smoke", "amazon"));
  const sweepEps = nodes.filter((n) => n.id.startsWith("amr@eps=")).map((n) => n.id);
  assert.ok(sweepEps.includes("amr@eps=0.01,lambda=0.1"), sweepEps.join());
  assert.ok(sweepEps.includes("amr@eps=1,lambda=0.01"), sweepEps.join());
});

Deno.test("profiles: an override is validated and its error names it", async () => {
  const profile = await loadProfile(CONFIGS, "smoke");
  const bad = { ...profile, datasets: { amazon: { models: { amr: { eps: -1 } } } } };
  assert.throws(
    () => profileForDataset(bad, "x-amazon", "amazon"),
    /profile smoke: datasets\.amazon: field "models\.amr\.eps"/,
  );
  const exact = {
    ...profile,
    datasets: { amazon: { k: 8 }, "x-amazon": { k: 4, negatives: 50 } },
  };
  const p = profileForDataset(exact, "x-amazon", "amazon");
  assert.deepEqual([p.k, p.negatives], [4, 50]); // the exact name applies last
});
