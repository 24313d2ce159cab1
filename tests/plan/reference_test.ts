/**
 * plan/reference.ts: which profile fields count as a difference beside the schedule, when two
 * graphs run on the same data, how a reference's `chosen.json` becomes the compare node's params
 * (a bad one is refused naming the entry), and the `tune-compare` node and tuned report the
 * planner adds.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile } from "../../config/profile.ts";
import { planNodes } from "../../plan/mod.ts";
import { dataDifference, profileDifferences, tuningReference } from "../../plan/reference.ts";
import { COMPARED_SELECTIONS, TUNE_COMPARE_ID } from "../../plan/tune.ts";
import { sha256 } from "../../pipeline/stage/hash.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const CONFIGS = join(ROOT, "configs");
const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
const paper = await loadProfile(CONFIGS, "paper");
const fast = await loadProfile(CONFIGS, "paper-fast");
const lite = await loadProfile(CONFIGS, "paper-lite");

Deno.test("profileDifferences: the schedule is the point of the comparison, k is not", () => {
  assert.equal(fast.tune?.reference, "paper");
  assert.deepEqual(profileDifferences(fast, paper), []);
  assert.deepEqual(profileDifferences({ ...fast, k: 32, seeds: 3 }, paper), ["k"]);
  const diff = profileDifferences(lite, paper);
  assert.ok(diff.includes("k") && diff.includes("tune.epochs"), diff.join(", "));
  assert.ok(!diff.some((d) => d.startsWith("figures") || d === "name"), diff.join(", "));
});

Deno.test("dataDifference: same data under both schedules, other data under another seed", () => {
  const ids = ["dataset", "filter-users", "split", "negatives", "features"];
  const a = planNodes(dataset, fast);
  assert.equal(dataDifference(a, planNodes(dataset, paper), ids), null);
  assert.match(
    dataDifference(a, planNodes(dataset, { ...paper, seed: paper.seed + 1 }), ids)!,
    /^it runs on other data \(node \w/,
  );
  assert.equal(dataDifference(a, [], ids), "its graph has no data node dataset");
});

Deno.test("tuningReference: entries become params with key and hash; bad ones are refused", () => {
  const chosen = {
    model: "vbpr",
    metric: "validation ndcg@10",
    source: "tune run tune-vbpr@lr=0.01,l2=0",
    values: { epochs: 40, lr: [0.01, 0.01, 0.01], regs: [0, 0, 0] },
    best: {
      label: "tune-vbpr@lr=0.01,l2=0",
      values: { epochs: 40, lr: [0.01, 0.01, 0.01], regs: [0, 0, 0] },
      point: { lr: 0.01, l2: 0 },
      bestEpoch: 40,
      ndcg10: 0.3,
      hr10: 0.5,
      stopped: { epoch: 50, reason: "epochs", patience: null },
    },
    grid: [] as unknown[],
    onEdge: [],
  };
  chosen.grid = [chosen.best, {
    ...chosen.best,
    label: "tune-vbpr@lr=0.1,l2=0",
    values: { epochs: 10, lr: [0.1, 0.1, 0.1], regs: [0, 0, 0] },
    point: { lr: 0.1, l2: 0 },
    ndcg10: 0.2,
    stopped: { epoch: 30, reason: "patience", patience: 2 },
    extension: { coord: "lr", side: "above", step: 1 },
    considered: false,
  }];
  const bytes = new TextEncoder().encode(JSON.stringify(chosen));
  const facts = {
    profile: "paper",
    target: "smoke--paper",
    unavailable: null,
    differences: [],
    selections: ["select-vbpr", "select-amr"],
    chosen: new Map([["select-vbpr", { key: "K", sha256: sha256(bytes), bytes }]]),
  };
  const ref = tuningReference(facts);
  assert.deepEqual(ref.selections["select-amr"], null);
  const v = ref.selections["select-vbpr"]!;
  assert.equal(v.key, "K");
  assert.equal(v.sha256, sha256(bytes));
  assert.deepEqual(v.choice, {
    label: "tune-vbpr@lr=0.01,l2=0",
    values: { lr: [0.01, 0.01, 0.01], regs: [0, 0, 0] },
    point: { lr: 0.01, l2: 0 },
    epochs: 40,
    ndcg10: 0.3,
    epochsTrained: 80,
    // The widening point the selection did not consider is trained (counted) but not a choice.
    grid: [{ point: { lr: 0.01, l2: 0 }, ndcg10: 0.3 }],
  });
  // Unavailable: no selection is read.
  const other = tuningReference({ ...facts, unavailable: "it runs on other data" });
  assert.deepEqual(other.selections, {});
  assert.equal(other.unavailable, "it runs on other data");
  // A chosen.json that is not a choice (or not JSON): the reference is unavailable, naming the
  // selection and the entry, and nothing of it is compared.
  for (
    const [text, why] of [[JSON.stringify({ ...chosen, metric: "hr" }), /field "metric"/], [
      "{",
      /not JSON/,
    ]] as const
  ) {
    const bad = new TextEncoder().encode(text);
    const r = tuningReference({
      ...facts,
      chosen: new Map([["select-vbpr", { key: "K".repeat(20), sha256: sha256(bad), bytes: bad }]]),
    });
    assert.match(
      r.unavailable!,
      /^the chosen.json of its select-vbpr \(store entry KKKKKKKKKKKK\) is not a choice: /,
    );
    assert.match(r.unavailable!, why);
    assert.deepEqual(r.selections, {});
  }
});

Deno.test("the planner: a tune-compare node reading every selection, and the tuned report", async () => {
  const nodes = planNodes(dataset, fast);
  const compare = nodes.find((n) => n.id === TUNE_COMPARE_ID)!;
  assert.deepEqual(
    Object.values(compare.inputs).map((r) => r.node).sort(),
    Object.values(COMPARED_SELECTIONS).sort(),
  );
  const params = compare.params as { reference: { unavailable?: string } | null };
  // Planned without a store: said so, never silently compared with nothing.
  assert.match(params.reference!.unavailable!, /not looked up/);
  const report = nodes.find((n) => n.id === "report")!;
  assert.equal(report.stage.name, "report-tuned");
  assert.deepEqual(report.inputs.tuning, { node: TUNE_COMPARE_ID, output: "comparison.json" });
  // paper names no reference; an untuned profile has neither node.
  const p = planNodes(dataset, paper).find((n) => n.id === TUNE_COMPARE_ID)!;
  assert.equal((p.params as { reference: unknown }).reference, null);
  const smoke = planNodes(dataset, await loadProfile(CONFIGS, "smoke"));
  assert.equal(smoke.some((n) => n.id === TUNE_COMPARE_ID), false);
  assert.equal(smoke.find((n) => n.id === "report")!.stage.name, "report");
});
