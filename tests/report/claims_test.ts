import assert from "node:assert/strict";
import { checklistTally, checklistTests, CLAIMS } from "../../report/claims.ts";
import { evaluateClaims } from "../../report/claim_eval.ts";
import type { ClaimResult } from "../../report/claims.ts";
import type { ControlTable, RobustnessUsers, Table2Input, UserValues } from "../../report/input.ts";
import { paperValues } from "../../config/paper.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { pairedTTest } from "../../models/significance.ts";

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

Deno.test("claims: p-values Holm-adjusted over the checklist, verdicts unadjusted, tests counted", () => {
  // Tested: AMR > VBPR from Table 2 (p = 0.01 on HR@10 and NDCG@10) and the control (p = 0.03
  // on both). Holm over m = 4 by hand (R: p.adjust(c(0.01, 0.01, 0.03, 0.03), "holm")):
  // 0.01 x 4 = 0.04, 0.01 x 3 -> 0.04, 0.03 x 2 = 0.06, 0.03 x 1 -> 0.06.
  const results = evaluateClaims({
    table2: { overall: table(0.2, 0.18, 0.01) },
    control: { overall: control(0.2, 0.18, 0.03) },
  });
  const expected: Record<string, number> = {
    "order.amr>vbpr.hr@10": 0.04,
    "order.amr>vbpr.ndcg@10": 0.04,
    "control.amr>vbpr-continued.hr@10": 0.06,
    "control.amr>vbpr-continued.ndcg@10": 0.06,
  };
  for (const c of results) {
    const want = expected[c.id];
    if (want === undefined) {
      assert.equal(c.pHolm, undefined, c.id);
      continue;
    }
    assert.ok(Math.abs(c.pHolm! - want) < 1e-12, `${c.id}: ${c.pHolm}`);
    assert.equal(c.tests, 1, c.id);
  }
  // The verdict is the claim's own test: the control holds at p = 0.03 although its Holm p is
  // 0.06.
  const ctl = byId(results, "control.amr>vbpr-continued.hr@10");
  assert.equal(ctl.status, "holds");
  assert.equal(ctl.p, 0.03);
  const t = checklistTests(results);
  assert.deepEqual(t, {
    tested: 4,
    tests: 4,
    counts: { holds: 4, fails: 0, inconclusive: 4, "not measured": 8 },
  });
  const tally = checklistTally(results);
  assert.match(tally, /^4 hold, 0 fail, 4 inconclusive, 8 not measured\. Verdicts are unadjusted/);
  assert.match(tally, /ran 4 tests for the 4 claims with a p-value; "p \(Holm\)"/);
});

Deno.test("claims: the 'fails' rule at alpha/m shows the p it compared (m x smallest p against)", () => {
  const n = 400;
  const rng = new Rng(11);
  const clean = baseline(n, rng);
  const around = (shift: number, sd: number) =>
    Float32Array.from(clean, (c) => c + shift + sd * rng.normal());
  const base = robustness(n, { vbpr: [0.1, 0.1, 0.1], amr: [0.1, 0.1, 0.1] }, 0, rng);
  const claimOf = (grad: Float32Array[], rand: Float32Array[]) =>
    byId(
      evaluateClaims({
        users: userValues({}, new Array(n).fill(0), {
          ...base,
          figure4: { eps: [0.1, 0.2, 0.3], grad, rand },
        }),
      }),
      "fig4.grad>rand",
    );
  // eps 0.1 and 0.2: grad clearly below rand (for the claim); eps 0.3: grad above (against).
  const grad = [around(-0.05, 0.02), around(-0.05, 0.02), around(0.006, 0.02)];
  const rand = [around(0, 0.02), around(0, 0.02), around(0, 0.02)];
  const pAgainst = pairedTTest(rand[2], grad[2]).p;
  const fails = claimOf(grad, rand);
  assert.ok(pAgainst < 0.05 / 3, `setup: p against ${pAgainst}`);
  assert.equal(fails.status, "fails");
  assert.equal(fails.tests, 3);
  // The p compared with alpha is 3 x the raw p (Bonferroni over the three radii).
  assert.ok(Math.abs(fails.p! - 3 * pAgainst) < 1e-12, `${fails.p} vs 3 x ${pAgainst}`);
  assert.match(
    fails.statistic,
    /fails rule: smallest p against the claim .* x 3 = .* \(Bonferroni over 3 ε\) vs alpha 0\.05$/,
  );
  // Significant against at alpha but not at alpha / 3: inconclusive, and the text says why.
  // Differences rand - grad = -0.0022 +- 0.02 alternately: t = -0.0022 sqrt(400) / 0.02 = -2.2
  // (sd 0.02 x sqrt(400 / 399)), p about 0.03, between alpha / 3 and alpha.
  const r3 = Float32Array.from({ length: n }, () => 0.3);
  const g3 = Float32Array.from({ length: n }, (_, i) => 0.3022 + (i % 2 === 0 ? 0.02 : -0.02));
  const mid = claimOf([grad[0], grad[1], g3], [rand[0], rand[1], r3]);
  const pMid = pairedTTest(r3, g3).p;
  assert.ok(pMid > 0.05 / 3 && pMid < 0.05, `setup: p ${pMid}`);
  assert.equal(mid.status, "inconclusive");
  assert.match(mid.statistic, /fails rule: smallest p against the claim/);
});
