/**
 * `paper-fast` (paper + `tune.patience`): the same graph as `paper`, node for node; its BPR grid
 * runs carry the patience, nothing else does; the report states the schedule; and a patience
 * that is not a positive integer is refused naming the field.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile } from "../../config/profile.ts";
import { resolveProfile } from "../../config/profile_resolve.ts";
import { planNodes } from "../../plan/mod.ts";
import { TUNED } from "../../plan/tune.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const CONFIGS = join(ROOT, "configs");
const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
const paper = await loadProfile(CONFIGS, "paper");
const fast = await loadProfile(CONFIGS, "paper-fast");

const patienceOf = (n: NodeSpec) => (n.params as { patience?: number }).patience;

Deno.test("paper-fast: paper's graph; every BPR grid run and only they stop early", () => {
  const a = planNodes(dataset, paper);
  const b = planNodes(dataset, fast);
  assert.deepEqual(b.map((n) => n.id), a.map((n) => n.id));
  assert.deepEqual(b.map((n) => n.seed), a.map((n) => n.seed), "same seeds: same triples");
  assert.equal(fast.tune!.patience, 5);
  assert.equal(paper.tune!.patience, undefined);
  const grid = /^tune-(mf-bpr|duif|vbpr|amr)@(?!chosen)/;
  const early = b.filter((n) => patienceOf(n) !== undefined).map((n) => n.id);
  const gridRuns = b.filter((n) => grid.test(n.id)).map((n) => n.id);
  assert.ok(gridRuns.length > 100, `${gridRuns.length} grid runs`);
  assert.deepEqual(early, gridRuns);
  assert.ok(b.every((n) => !n.id.startsWith("tune-mf-eals@") || patienceOf(n) === undefined));
  assert.ok(a.every((n) => patienceOf(n) === undefined), "paper stays the literal protocol");
  // Apart from the patience, each node's params are paper's.
  for (let i = 0; i < a.length; i++) {
    const { patience: _, ...rest } = b[i].params as Record<string, unknown>;
    if (a[i].id === "report") continue;
    assert.deepEqual(rest, a[i].params, a[i].id);
  }
});

Deno.test("paper-fast: the report's header says which schedule ran", () => {
  const header = (nodes: NodeSpec[]) =>
    (nodes.find((n) => n.id === "report")!.params as { run: Record<string, string> }).run.tuning;
  assert.match(header(planNodes(dataset, paper)), /^full grid: every run trains 2000 epochs/);
  assert.match(
    header(planNodes(dataset, fast)),
    /^early stopping: .* not improved for 5 evaluations \(at most 2000 epochs each, .* every 50\)/,
  );
  const smoke = planNodes(dataset, { ...paper, tune: null });
  assert.equal(header(smoke), undefined, "no tuning, no line");
});

Deno.test("tune.patience: zero, a fraction or a string is refused naming the field", async () => {
  for (
    const [value, expected] of [["0", /at least 1, got 0/], ["2.5", /expected int/], [
      '"x"',
      /number/,
    ]] as const
  ) {
    await assert.rejects(
      () =>
        resolveProfile(CONFIGS, "paper", [`tune.patience=${value}`], {
          cwd: ROOT,
          root: ROOT,
          tuned: TUNED,
        }),
      (e: Error) => /tune\.patience/.test(e.message) && expected.test(e.message),
    );
  }
});
