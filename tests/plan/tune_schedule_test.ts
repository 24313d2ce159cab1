/**
 * The tuning schedules in the plan: `tune.patience` alone keeps paper's graph node for node and
 * gives every BPR grid run (only them) the patience; `paper-fast` (patience and successive
 * halving) adds each grid level's rung nodes and halving nodes around paper's own nodes; the
 * rungs' budgets are hand-computed; the report states the schedule; bad settings are refused
 * naming the field.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile } from "../../config/profile.ts";
import { resolveProfile } from "../../config/profile_resolve.ts";
import { planNodes } from "../../plan/mod.ts";
import { TUNED } from "../../plan/tune.ts";
import { halvingRungs } from "../../plan/halving.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const CONFIGS = join(ROOT, "configs");
const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
const paper = await loadProfile(CONFIGS, "paper");
const fast = await loadProfile(CONFIGS, "paper-fast");

const patienceOf = (n: NodeSpec) => (n.params as { patience?: number }).patience;

Deno.test("tune.patience: paper's graph; every BPR grid run and only they stop early", () => {
  const a = planNodes(dataset, paper);
  const b = planNodes(dataset, { ...paper, tune: { ...paper.tune!, patience: 5 } });
  assert.deepEqual(b.map((n) => n.id), a.map((n) => n.id));
  assert.deepEqual(b.map((n) => n.seed), a.map((n) => n.seed), "same seeds: same triples");
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
    if (a[i].id === "report" || a[i].id === "tune-compare") continue; // they state the schedule
    assert.deepEqual(rest, a[i].params, a[i].id);
  }
});

Deno.test("halvingRungs: budgets on the evaluation cadence, survivors by 1/eta, hand-computed", () => {
  const plan = { epochs: 2000, evalEvery: 50 };
  // 34 points (an lr x l2 grid widened): 2000/27, /9, /3 rounded up to 50s.
  assert.deepEqual(halvingRungs("g", 34, 3, plan), [
    { epochs: 100, continuing: 34 },
    { epochs: 250, continuing: 11 },
    { epochs: 700, continuing: 3 },
    { epochs: 2000, continuing: 1 },
  ]);
  // 6 points (AMR's eps grid widened): one halving.
  assert.deepEqual(halvingRungs("g", 6, 3, plan), [
    { epochs: 700, continuing: 6 },
    { epochs: 2000, continuing: 2 },
  ]);
  // paper-lite's 3 epochs allow one halving only (budgets must grow strictly).
  assert.deepEqual(halvingRungs("g", 34, 3, { epochs: 3, evalEvery: 1 }), [
    { epochs: 1, continuing: 34 },
    { epochs: 3, continuing: 11 },
  ]);
  assert.throws(
    () => halvingRungs("the grid of select-x", 2, 3, plan),
    /select-x has 2 point.*tune\.eta = 3/,
  );
  assert.throws(() => halvingRungs("g", 34, 3, { epochs: 1, evalEvery: 1 }), /too few to halve/);
});

Deno.test("paper-fast: paper's nodes, plus each level's rungs and halving nodes", () => {
  const a = planNodes(dataset, paper);
  const b = planNodes(dataset, fast);
  assert.deepEqual([fast.tune!.schedule, fast.tune!.eta, fast.tune!.patience], ["halving", 3, 5]);
  const byId = new Map(b.map((n) => [n.id, n]));
  for (const n of a) assert.ok(byId.has(n.id), `${n.id} missing`);
  const extra = b.filter((n) => !a.some((m) => m.id === n.id)).map((n) => n.id);
  for (const id of extra) {
    assert.match(id, /^(tune-(mf-bpr|duif|vbpr|amr)@.*,rung=\d|halve-.*rung=\d)$/);
  }
  // MF-BPR's level: 34 points, rungs 0-2 added, the last rung under paper's ids.
  const point = "tune-mf-bpr@lr=0.05,l2=0.0001";
  const rung = (id: string) => (byId.get(id)!.params as { rung: Record<string, unknown> }).rung;
  assert.deepEqual(rung(`${point},rung=0`), {
    index: 0,
    from: 0,
    points: 34,
    continuing: 34,
    point,
  });
  assert.deepEqual(rung(point), { index: 3, from: 700, points: 34, continuing: 1, point });
  assert.equal((byId.get(point)!.params as { epochs: number }).epochs, 2000);
  assert.equal(byId.get(`${point},rung=0`)!.stage.name, "mf-bpr-first-rung");
  assert.equal(byId.get(point)!.stage.name, "mf-bpr-next-rung");
  assert.deepEqual(byId.get(point)!.inputs.state, {
    node: `${point},rung=2`,
    output: "state.ckpt",
  });
  assert.deepEqual(byId.get(point)!.inputs.survivors, {
    node: "halve-mf-bpr@rung=2",
    output: "survivors.json",
  });
  assert.equal(byId.get(`${point},rung=0`)!.inputs.state, undefined);
  assert.equal(byId.get(`${point},rung=1`)!.seed, a.find((n) => n.id === point)!.seed);
  assert.deepEqual((byId.get("halve-mf-bpr@rung=1")!.params as { keep: number }).keep, 3);
  // DUIF's two grids and AMR's eps and lambda levels halve apart, under their selections' names.
  for (
    const id of [
      "halve-duif@init=scratch,rung=0",
      "halve-duif@init=mf-bpr,rung=0",
      "halve-amr-eps@rung=0",
      "halve-amr@rung=0",
    ]
  ) {
    assert.ok(byId.has(id), id);
  }
  assert.equal(byId.get("tune-amr@eps=0.1")!.stage.name, "amr-tuned-next-rung");
  // MF-eALS's grid, the retrained choices and the finals are paper's.
  for (const id of ["tune-mf-eals@c0=512,reg=0.01", "tune-mf-bpr@chosen", "vbpr", "amr"]) {
    assert.equal(byId.get(id)!.stage.name, a.find((n) => n.id === id)!.stage.name, id);
  }
});

Deno.test("paper-fast: the report's header says which schedule ran", () => {
  const header = (nodes: NodeSpec[]) =>
    (nodes.find((n) => n.id === "report")!.params as { run: Record<string, string> }).run.tuning;
  assert.match(header(planNodes(dataset, paper)), /^full grid: every run trains 2000 epochs/);
  assert.match(
    header(planNodes(dataset, { ...paper, tune: { ...paper.tune!, patience: 5 } })),
    /^early stopping: .* not improved for 5 evaluations \(at most 2000 epochs each, .* every 50\)/,
  );
  assert.match(
    header(planNodes(dataset, fast)),
    /^successive halving \(eta 3\): .* best 1\/3 .* up to 2000 epochs .*; early stopping inside each rung: .* 5 evaluations/,
  );
  const smoke = planNodes(dataset, { ...paper, tune: null });
  assert.equal(header(smoke), undefined, "no tuning, no line");
});

Deno.test("tune.patience, tune.eta, tune.schedule: a bad value is refused naming the field", async () => {
  const cases: [string, RegExp][] = [
    ["tune.patience=0", /field "tune\.patience": .*at least 1, got 0/],
    ["tune.patience=2.5", /field "tune\.patience": .*expected int/],
    ['tune.patience="x"', /field "tune\.patience": .*number/],
    ["tune.eta=1", /field "tune\.eta": .*at least 2, got 1/],
    ['tune.schedule="fast"', /field "tune\.schedule": .*"full"|"halving"/],
  ];
  for (const [set, expected] of cases) {
    await assert.rejects(
      () => resolveProfile(CONFIGS, "paper", [set], { cwd: ROOT, root: ROOT, tuned: TUNED }),
      (e: Error) => expected.test(e.message) || assert.fail(`${set}: ${e.message}`),
    );
  }
  // A level too small to halve is refused at planning time, naming the grid and tune.eta.
  const tiny = { ...paper, tune: { ...paper.tune!, schedule: "halving" as const, eta: 50 } };
  assert.throws(
    () => planNodes(dataset, tiny),
    /tune\.schedule "halving": the grid of select-mf-bpr has 34 point\(s\).*tune\.eta = 50/,
  );
});
