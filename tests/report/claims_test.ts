import assert from "node:assert/strict";
import { CLAIMS, evaluateClaims, verdictText } from "../../report/claims.ts";
import type { ClaimResult } from "../../report/claims.ts";
import type { ControlTable, Table2Input } from "../../report/input.ts";
import { paperValues } from "../../config/paper.ts";

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

function byId(results: ClaimResult[], id: string): ClaimResult {
  const r = results.find((c) => c.id === id);
  assert.ok(r, `no claim ${id}`);
  return r;
}

Deno.test("claims: nothing produced gives 'not measured' for every claim", () => {
  const results = evaluateClaims({});
  assert.equal(results.length, CLAIMS.length);
  for (const r of results) assert.equal(r.status, "not measured", r.id);
});

Deno.test("claims: AMR > VBPR holds only when higher and p < 0.05", () => {
  const ok = evaluateClaims({ table2: { overall: table(0.2, 0.18, 0.003) } });
  const c = byId(ok, "order.amr>vbpr.hr@10");
  assert.equal(c.status, "holds");
  assert.equal(c.statistic, "AMR 0.2000 vs VBPR 0.1800, p = 0.003 (paired t-test, alpha 0.05)");
  const ns = byId(
    evaluateClaims({ table2: { overall: table(0.2, 0.18, 0.2) } }),
    "order.amr>vbpr.hr@10",
  );
  assert.equal(ns.status, "does not hold");
  assert.match(ns.statistic, /higher but not significant/);
  const lower = byId(
    evaluateClaims({ table2: { overall: table(0.17, 0.18) } }),
    "order.amr>vbpr.ndcg@10",
  );
  assert.equal(lower.status, "does not hold");
  assert.equal(lower.statistic, "AMR 0.0850 vs VBPR 0.0900");
  // Baseline orderings have no p-value and hold on the means.
  assert.equal(byId(ok, "order.vbpr>mf-bpr.hr@10").status, "holds");
  assert.equal(byId(ok, "order.mf-bpr>pop.ndcg@10").status, "holds");
});

Deno.test("claims: the paper's numbers are quoted beside ours", () => {
  const r = byId(
    evaluateClaims({ table2: { overall: table(0.2, 0.18) } }, { paper: paperValues("pinterest") }),
    "order.amr>vbpr.ndcg@10",
  );
  assert.equal(r.paper, "0.1230 vs 0.1157");
});

Deno.test("claims: cold gain vs warm gain", () => {
  const results = evaluateClaims({
    table2: { cold: table(0.15, 0.1), warm: table(0.21, 0.2) },
  });
  const c = byId(results, "coldwarm.hr@10");
  assert.equal(c.status, "holds");
  assert.equal(c.statistic, "AMR over VBPR: cold +50.0% vs warm +5.0%");
  const reversed = evaluateClaims({
    table2: { cold: table(0.21, 0.2), warm: table(0.15, 0.1) },
  });
  assert.equal(byId(reversed, "coldwarm.ndcg@10").status, "does not hold");
  assert.equal(
    byId(evaluateClaims({ table2: { cold: table(1, 1) } }), "coldwarm.hr@10").status,
    "not measured",
  );
});

Deno.test("claims: Table 3 robustness per eps and growth of the drop", () => {
  const results = evaluateClaims({
    table3: { eps: [0.05, 0.1, 0.2], vbpr: [-0.04, -0.12, -0.3], amr: [-0.05, -0.06, -0.05] },
  }, { paper: paperValues("pinterest") });
  const at005 = byId(results, "robust.eps=0.05");
  assert.equal(at005.status, "does not hold");
  assert.equal(at005.statistic, "AMR -5.00% vs VBPR -4.00% (relative NDCG@10 change)");
  assert.equal(at005.qualifier, undefined);
  assert.equal(at005.paper, "AMR -2.6% vs VBPR -4.2%");
  assert.equal(byId(results, "robust.eps=0.1").status, "holds");
  assert.equal(byId(results, "robust.eps=0.2").status, "holds");
  assert.equal(byId(results, "table3.grows.vbpr").status, "holds");
  const amr = byId(results, "table3.grows.amr");
  assert.equal(amr.status, "does not hold");
  assert.equal(amr.statistic, "drop 5.00% at ε=0.05 → 6.00% at ε=0.1 → 5.00% at ε=0.2");
  assert.equal(
    byId(results, "table3.grows.vbpr").paper,
    "drop 4.2% at ε=0.05 → 11.9% at ε=0.1 → 31.8% at ε=0.2",
  );
  // An eps we did not measure.
  const partial = evaluateClaims({ table3: { eps: [0.1], vbpr: [-0.1], amr: [-0.05] } });
  assert.equal(byId(partial, "robust.eps=0.2").status, "not measured");
  assert.equal(byId(partial, "table3.grows.vbpr").status, "not measured");
});

Deno.test("claims: grad hurts VBPR more than rand at every common eps", () => {
  const points = [
    { kind: "rand" as const, eps: 0.1, hr10: 0.18, ndcg10: 0.11 },
    { kind: "grad" as const, eps: 0.1, hr10: 0.12, ndcg10: 0.07 },
    { kind: "rand" as const, eps: 0.2, hr10: 0.17, ndcg10: 0.1 },
    { kind: "grad" as const, eps: 0.2, hr10: 0.1, ndcg10: 0.05 },
    { kind: "grad" as const, eps: 0.5, hr10: 0.05, ndcg10: 0.02 },
  ];
  const clean = { hr10: 0.183, ndcg10: 0.116 };
  const r = byId(evaluateClaims({ figures: { figure4: { points, clean } } }), "fig4.grad>rand");
  assert.equal(r.status, "holds");
  assert.equal(
    r.statistic,
    "grad below rand at 2 of 2 ε (grad vs rand NDCG@10: ε=0.1: 0.0700 vs 0.1100; " +
      "ε=0.2: 0.0500 vs 0.1000)",
  );
  const flipped = points.map((p) => ({ ...p, ndcg10: p.kind === "grad" ? 0.2 : p.ndcg10 }));
  assert.equal(
    byId(evaluateClaims({ figures: { figure4: { points: flipped, clean } } }), "fig4.grad>rand")
      .status,
    "does not hold",
  );
});

Deno.test("claims: VBPR at 0 on cold items gives 'not measured' saying why", () => {
  const r = byId(
    evaluateClaims({ table2: { cold: table(0.006, 0), warm: table(0.03, 0.028) } }),
    "coldwarm.hr@10",
  );
  assert.equal(r.status, "not measured");
  assert.match(r.statistic, /VBPR's HR@10 is 0 on cold \(AMR 0\.0060\)/);
});

Deno.test("claims: close Table 3 drops print two decimals and say the difference is < 0.1 pt", () => {
  // -1.52% vs -1.48% printed "-1.5% vs -1.5%" with one decimal; AMR's drop is larger here.
  const close = evaluateClaims({
    table3: { eps: [0.05, 0.1, 0.2], vbpr: [-0.0152, -0.1, -0.2], amr: [-0.0148, -0.05, -0.2004] },
  });
  const r = byId(close, "robust.eps=0.05");
  assert.equal(r.status, "holds");
  assert.equal(r.statistic, "AMR -1.48% vs VBPR -1.52% (relative NDCG@10 change)");
  assert.equal(r.qualifier, "difference < 0.1 pt");
  assert.equal(verdictText(r), "holds (difference < 0.1 pt)");
  const wide = byId(close, "robust.eps=0.1");
  assert.equal(verdictText(wide), "holds");
  const tinyLoss = byId(close, "robust.eps=0.2");
  assert.equal(verdictText(tinyLoss), "does not hold (difference < 0.1 pt)");
  assert.equal(tinyLoss.statistic, "AMR -20.04% vs VBPR -20.00% (relative NDCG@10 change)");
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

Deno.test("claims: AMR vs the lambda = 0 control holds only when higher and p < 0.05", () => {
  const ids = CLAIMS.filter((c) => c.rule.kind === "control").map((c) => c.id);
  assert.deepEqual(ids, ["control.amr>vbpr-continued.hr@10", "control.amr>vbpr-continued.ndcg@10"]);
  const text = byId(evaluateClaims({}), ids[0]);
  assert.equal(
    text.text,
    "AMR outperforms VBPR trained on for the same epochs with the same optimiser and no " +
      "adversary (lambda = 0 control) on HR@10",
  );
  assert.equal(text.status, "not measured");
  const ok = byId(evaluateClaims({ control: { overall: control(0.2, 0.18, 0.003) } }), ids[0]);
  assert.equal(ok.status, "holds");
  assert.equal(
    ok.statistic,
    "AMR 0.2000 vs VBPR-continued 0.1800, p = 0.003 (paired t-test, alpha 0.05)",
  );
  const ns = byId(evaluateClaims({ control: { overall: control(0.2, 0.18, 0.2) } }), ids[1]);
  assert.equal(ns.status, "does not hold");
  assert.match(
    ns.statistic,
    /AMR 0\.1000 vs VBPR-continued 0\.0900, p = 0\.2 .*higher but not significant/,
  );
  const lower = byId(evaluateClaims({ control: { overall: control(0.17, 0.18, 0.001) } }), ids[0]);
  assert.equal(lower.status, "does not hold");
  assert.doesNotMatch(lower.statistic, /higher/);
  const tiny = byId(evaluateClaims({ control: { overall: control(0.2, 0.18, 1e-6) } }), ids[0]);
  assert.match(tiny.statistic, /, p < 1e-4 \(paired t-test/);
  const noP = byId(evaluateClaims({ control: { overall: control(0.2, 0.18, null) } }), ids[0]);
  assert.equal(noP.status, "does not hold");
  assert.match(noP.statistic, /p undefined/);
  // Only cold/warm produced: the claim is about all users.
  assert.equal(
    byId(evaluateClaims({ control: { cold: control(0.2, 0.1, 0.001) } }), ids[0]).status,
    "not measured",
  );
});
