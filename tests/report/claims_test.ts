import assert from "node:assert/strict";
import { CLAIMS } from "../../report/claims.ts";
import { evaluateClaims } from "../../report/claim_eval.ts";
import type { ClaimResult } from "../../report/claims.ts";
import type { ControlTable, RobustnessUsers, Table2Input, UserValues } from "../../report/input.ts";
import { paperValues } from "../../config/paper.ts";
import { Rng } from "../../pipeline/stage/rng.ts";

const METRICS = ["hr@10", "ndcg@10"];

function byId(results: ClaimResult[], id: string): ClaimResult {
  const r = results.find((c) => c.id === id);
  assert.ok(r, `no claim ${id}`);
  return r;
}

/** Per-user [users, 2] matrix: column values drawn around `mean` with noise `sd`. */
function matrix(base: Float32Array, shift: number, sd: number, rng: Rng): Float32Array {
  const out = new Float32Array(base.length * 2);
  base.forEach((b, u) => {
    const v = b + shift + sd * rng.normal();
    out[2 * u] = v;
    out[2 * u + 1] = v / 2;
  });
  return out;
}

function baseline(users: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: users }, () => 0.2 + 0.1 * rng.random());
}

function userValues(
  methods: Record<string, Float32Array>,
  cold: number[],
  robustness?: RobustnessUsers,
): UserValues {
  return { metrics: METRICS, methods, cold, robustness, seed: 5 };
}

Deno.test("claims: nothing produced gives 'not measured' for every claim", () => {
  const results = evaluateClaims({});
  assert.equal(results.length, CLAIMS.length);
  for (const r of results) assert.equal(r.status, "not measured", r.id);
});

Deno.test("claims: orderings are paired t-tests over users: holds, fails, inconclusive", () => {
  const rng = new Rng(1);
  const n = 400;
  const base = baseline(n, rng);
  const vbpr = matrix(base, 0, 0.05, rng);
  const methods = {
    "vbpr": vbpr,
    "amr": matrix(base, 0.03, 0.05, rng), // clearly better than VBPR
    "mf-bpr": matrix(base, 0.05, 0.05, rng), // clearly better than VBPR: the claim fails
    "pop": Float32Array.from(vbpr, (v, i) => v + ((i >> 1) % 2 === 0 ? 1e-3 : -1e-3)), // a tie
  };
  const results = evaluateClaims({ users: userValues(methods, new Array(n).fill(0)) });
  const amr = byId(results, "order.amr>vbpr.hr@10");
  assert.equal(amr.status, "holds");
  assert.equal(amr.test, "paired t-test over 400 users (two-sided, alpha 0.05)");
  assert.ok(amr.p !== undefined && amr.p < 1e-4);
  assert.ok(amr.interval && amr.interval[0] > 0 && amr.interval[1] > amr.interval[0]);
  assert.match(amr.statistic, /^AMR 0\.\d{4} vs VBPR 0\.\d{4}, difference \+0\.0\d+ \(95% CI/);
  assert.equal(byId(results, "order.vbpr>mf-bpr.ndcg@10").status, "fails");
  const above = byId(results, "order.mf-bpr>pop.hr@10");
  assert.equal(above.status, "holds"); // MF-BPR is clearly above POP = VBPR ± 1e-3
  const tieOnly = evaluateClaims({
    users: userValues({ "mf-bpr": methods.pop, "pop": vbpr }, new Array(n).fill(0)),
  });
  assert.equal(byId(tieOnly, "order.mf-bpr>pop.hr@10").status, "inconclusive");
});

function table(amr: number, vbpr: number, pAmrVbpr: number | null = null): Table2Input {
  return {
    users: 100,
    ours: "AMR",
    methods: ["POP", "MF-BPR", "VBPR", "AMR"],
    metrics: ["hr@10", "ndcg@10"],
    values: [[0.06, 0.03], [0.15, 0.1], [vbpr, vbpr / 2], [amr, amr / 2]],
    pValues: [[0.001, 0.001], [0.001, 0.001], [pAmrVbpr, pAmrVbpr], [null, null]],
  };
}

Deno.test("claims: without per-user values, Table 2's p-value decides, else inconclusive", () => {
  const ok = evaluateClaims({ table2: { overall: table(0.2, 0.18, 0.003) } });
  const c = byId(ok, "order.amr>vbpr.hr@10");
  assert.equal(c.status, "holds");
  assert.equal(c.statistic, "AMR 0.2000 vs VBPR 0.1800, p = 0.003");
  const ns = evaluateClaims({ table2: { overall: table(0.2, 0.18, 0.2) } });
  assert.equal(byId(ns, "order.amr>vbpr.hr@10").status, "inconclusive");
  // VBPR vs MF-BPR has no p-value in Table 2: no test, no verdict.
  const noTest = byId(ok, "order.vbpr>mf-bpr.hr@10");
  assert.equal(noTest.status, "inconclusive");
  assert.match(noTest.statistic, /no per-user values, no test/);
  const paper = byId(
    evaluateClaims({ table2: { overall: table(0.2, 0.18) } }, { paper: paperValues("pinterest") }),
    "order.amr>vbpr.ndcg@10",
  );
  assert.equal(paper.paper, "0.1230 vs 0.1157");
});

/** Robustness users: clean NDCG per user, attacked = clean * (1 - drop ± noise). */
function robustness(
  n: number,
  drops: { vbpr: number[]; amr: number[] },
  noise: number,
  rng: Rng,
): RobustnessUsers {
  const eps = [0.05, 0.1, 0.2];
  const model = (d: number[]) => {
    const clean = Float32Array.from({ length: n }, () => (rng.random() < 0.3 ? 0 : rng.random()));
    return {
      clean,
      attacked: d.map((x) => clean.map((c) => Math.max(0, c * (1 - x + noise * rng.normal())))),
    };
  };
  return { eps, vbpr: model(drops.vbpr), amr: model(drops.amr) };
}

Deno.test("claims: Table 3's drops are compared by a paired bootstrap; a near tie is inconclusive", () => {
  const n = 600;
  const r = robustness(n, { vbpr: [0.015, 0.2, 0.4], amr: [0.0149, 0.05, 0.6] }, 0.2, new Rng(2));
  const users = userValues({}, new Array(n).fill(0), r);
  const results = evaluateClaims({ users }, { paper: paperValues("pinterest") });
  // AMR -1.49% vs VBPR -1.50% (the case the old rule called "holds"): no evidence either way.
  const tie = byId(results, "robust.eps=0.05");
  assert.equal(tie.status, "inconclusive");
  assert.match(tie.test!, /^paired bootstrap over 600 users \(2000 resamples/);
  assert.ok(tie.interval && tie.interval[0] < 0 && tie.interval[1] > 0);
  assert.equal(tie.paper, "AMR -2.6% vs VBPR -4.2%");
  assert.equal(byId(results, "robust.eps=0.1").status, "holds");
  assert.equal(byId(results, "robust.eps=0.2").status, "fails");
  assert.equal(byId(results, "table3.grows.vbpr").status, "holds");
  assert.equal(byId(results, "table3.grows.amr").status, "holds");
  // The bootstrap is seeded: the same input gives the same interval.
  const again = byId(evaluateClaims({ users }), "robust.eps=0.05");
  assert.deepEqual(again.interval, tie.interval);
  const shrinking = robustness(
    n,
    { vbpr: [0.3, 0.1, 0.05], amr: [0.1, 0.1, 0.1] },
    0.05,
    new Rng(3),
  );
  const s = evaluateClaims({ users: userValues({}, new Array(n).fill(0), shrinking) });
  assert.equal(byId(s, "table3.grows.vbpr").status, "fails");
  assert.equal(byId(s, "table3.grows.amr").status, "inconclusive");
});

Deno.test("claims: grad vs rand per eps (paired t-tests), holds only at every eps", () => {
  const n = 500;
  const rng = new Rng(4);
  const clean = baseline(n, rng);
  const noisy = (shift: number) => clean.map((c) => c + shift + 0.02 * rng.normal());
  const base = robustness(n, { vbpr: [0.1, 0.1, 0.1], amr: [0.1, 0.1, 0.1] }, 0, rng);
  const at = (grad: number[], rand: number[]): RobustnessUsers => ({
    ...base,
    figure4: { eps: [0.1, 0.2], grad: grad.map(noisy), rand: rand.map(noisy) },
  });
  const claim = (r: RobustnessUsers) =>
    byId(evaluateClaims({ users: userValues({}, new Array(n).fill(0), r) }), "fig4.grad>rand");
  const holds = claim(at([-0.05, -0.1], [0, -0.01]));
  assert.equal(holds.status, "holds");
  assert.match(holds.statistic, /^VBPR NDCG@10 under grad vs rand: ε=0\.1: grad 0\.\d{4} vs rand/);
  assert.equal(claim(at([-0.05, 0.02], [0, -0.01])).status, "fails");
  assert.equal(claim(at([-0.05, -0.01], [0, -0.01])).status, "inconclusive");
});

Deno.test("claims: cold vs warm gain by a bootstrap stratified by cold/warm users", () => {
  const rng = new Rng(6);
  const n = 800;
  const cold = Array.from({ length: n }, (_, u) => (u % 2));
  const vbpr = matrix(baseline(n, rng), 0, 0.02, rng);
  const amr = (coldGain: number, warmGain: number) =>
    vbpr.map((v, i) => v * (1 + (cold[i >> 1] === 1 ? coldGain : warmGain)));
  const claim = (a: Float32Array) =>
    byId(evaluateClaims({ users: userValues({ amr: a, vbpr }, cold) }), "coldwarm.hr@10");
  const holds = claim(amr(0.5, 0.05));
  assert.equal(holds.status, "holds");
  assert.match(holds.statistic, /^AMR over VBPR: cold \+50\.0% vs warm \+5\.0%; difference/);
  assert.match(holds.test!, /400 cold and 400 warm users, each group resampled within itself/);
  assert.equal(claim(amr(0.05, 0.5)).status, "fails");
  assert.equal(claim(amr(0.1, 0.1)).status, "inconclusive");
  const zeroCold = vbpr.map((v, i) => (cold[i >> 1] === 1 ? 0 : v));
  const r = byId(
    evaluateClaims({ users: userValues({ amr: amr(0.1, 0.1), vbpr: zeroCold }, cold) }),
    "coldwarm.hr@10",
  );
  assert.equal(r.status, "not measured");
  assert.match(r.statistic, /VBPR's HR@10 is 0 \(or no users\) on cold/);
});

function control(amr: number, continued: number, p: number | null): ControlTable {
  return {
    users: 100,
    metrics: ["hr@10", "ndcg@10"],
    amr: [amr, amr / 2],
    continued: [continued, continued / 2],
    vbpr: [0.1, 0.05],
    pContinued: [p, p],
    pVbpr: [0.001, 0.001],
  };
}

Deno.test("claims: AMR vs the lambda = 0 control: paired t-test, per user or from the table", () => {
  const ids = CLAIMS.filter((c) => c.rule.kind === "control").map((c) => c.id);
  assert.deepEqual(ids, ["control.amr>vbpr-continued.hr@10", "control.amr>vbpr-continued.ndcg@10"]);
  assert.equal(byId(evaluateClaims({}), ids[0]).status, "not measured");
  const ok = byId(evaluateClaims({ control: { overall: control(0.2, 0.18, 0.003) } }), ids[0]);
  assert.equal(ok.status, "holds");
  assert.equal(ok.statistic, "AMR 0.2000 vs VBPR-continued 0.1800, p = 0.003");
  const ns = byId(evaluateClaims({ control: { overall: control(0.2, 0.18, 0.2) } }), ids[1]);
  assert.equal(ns.status, "inconclusive");
  const lower = byId(evaluateClaims({ control: { overall: control(0.17, 0.18, 0.001) } }), ids[0]);
  assert.equal(lower.status, "fails");
  const noP = byId(evaluateClaims({ control: { overall: control(0.2, 0.18, null) } }), ids[0]);
  assert.equal(noP.status, "inconclusive");
  const rng = new Rng(8);
  const base = baseline(300, rng);
  const users = userValues({
    "amr": matrix(base, 0.02, 0.03, rng),
    "vbpr-continued": matrix(base, 0, 0.03, rng),
  }, new Array(300).fill(0));
  const perUser = byId(evaluateClaims({ users }), ids[0]);
  assert.equal(perUser.status, "holds");
  assert.equal(perUser.test, "paired t-test over 300 users (two-sided, alpha 0.05)");
});
