import assert from "node:assert/strict";
import {
  claimsAcrossSeeds,
  controlOverSeeds,
  metricsAcrossSeeds,
  seedStat,
  table2AcrossSeeds,
} from "../../report/seeds.ts";

Deno.test("seedStat: mean, sd and the 95% t-interval over seeds", () => {
  const s = seedStat([0.1, 0.12, 0.14]);
  assert.ok(Math.abs(s.mean - 0.12) < 1e-12);
  assert.ok(Math.abs(s.sd - 0.02) < 1e-12);
  // t(0.975, 2 df) = 4.302653 (R: qt(0.975, 2)).
  const half = 4.302653 * 0.02 / Math.sqrt(3);
  assert.ok(Math.abs(s.lo - (0.12 - half)) < 1e-6 && Math.abs(s.hi - (0.12 + half)) < 1e-6);
  assert.deepEqual(s.values, [0.1, 0.12, 0.14]);
  const one = seedStat([0.3]);
  assert.equal(one.mean, 0.3);
  assert.ok(Number.isNaN(one.lo) && Number.isNaN(one.sd));
});

Deno.test("table2AcrossSeeds: per cell across seeds, stars counted per seed", () => {
  const t = (amr: number, star: boolean) => ({
    overall: {
      methods: ["VBPR", "AMR"],
      metrics: ["hr@10"],
      values: [[0.2], [amr]],
      ri: [amr / 0.2 - 1, null],
      significant: [star],
    },
  });
  const out = table2AcrossSeeds([t(0.21, true), t(0.22, false), t(0.23, true)], [1, 2, 3]);
  assert.deepEqual(out.seeds, [1, 2, 3]);
  assert.deepEqual(out.overall.cells[1][0].values, [0.21, 0.22, 0.23]);
  assert.ok(Math.abs(out.overall.cells[1][0].mean - 0.22) < 1e-12);
  assert.ok(out.overall.cells[0][0].sd < 1e-12);
  assert.deepEqual(out.overall.starredSeeds, [2]);
  assert.equal(out.overall.ri[1], null);
  assert.ok(Math.abs(out.overall.ri[0]!.mean - 0.1) < 1e-12);
  assert.equal(out.cold, undefined);
  assert.throws(() => table2AcrossSeeds([t(0.2, true)], [1, 2]), /1 tables for 2 seeds/);
});

Deno.test("claimsAcrossSeeds: holds / fails only when every seed agrees", () => {
  const c = (status: "holds" | "fails" | "inconclusive", p: number) => ({
    id: "x",
    text: "X",
    source: "Table 2",
    status,
    p,
    test: "t",
  });
  const combine = (...s: ReturnType<typeof c>[]) => claimsAcrossSeeds(s.map((x) => [x]))[0];
  assert.equal(combine(c("holds", 0.01), c("holds", 0.02)).status, "holds");
  assert.equal(combine(c("fails", 0.01), c("fails", 0.02)).status, "fails");
  const mixed = combine(c("holds", 0.01), c("inconclusive", 0.3), c("holds", 0.04));
  assert.equal(mixed.status, "inconclusive");
  assert.deepEqual(mixed.perSeed, ["holds", "inconclusive", "holds"]);
  assert.deepEqual(mixed.p, [0.01, 0.3, 0.04]);
  assert.equal(combine(c("holds", 0.01), c("fails", 0.01)).status, "inconclusive");
});

Deno.test("metricsAcrossSeeds: only metrics every seed produced", () => {
  assert.deepEqual(metricsAcrossSeeds([{ a: 1, b: 2 }, { a: 3 }]), { a: [1, 3] });
});

Deno.test("controlOverSeeds: AMR vs the lambda = 0 control, paired t-test over seeds, by hand", () => {
  // Per seed AMR 0.30, 0.32, 0.35 and control 0.28, 0.31, 0.31: differences 0.02, 0.01, 0.04,
  // mean 0.07 / 3, sd sqrt(((-1/300)^2 + (-4/300)^2 + (5/300)^2) / 2) = sqrt(21) / 300, so
  // t = (7 / 300) / (sqrt(21) / 300 / sqrt(3)) = 7 sqrt(3) / sqrt(21) = sqrt(7), df = 2, and
  // with 2 df the two-sided p is 1 - |t| / sqrt(t^2 + 2) = 1 - sqrt(7) / 3 = 0.1181 (R:
  // t.test(c(.30, .32, .35), c(.28, .31, .31), paired = TRUE): t = 2.6458, p-value = 0.1181).
  const metrics = {
    "table2.amr.hr@10": [0.30, 0.32, 0.35],
    "control.vbpr-continued.overall.hr@10": [0.28, 0.31, 0.31],
    // NDCG@10: AMR above the control by 0.01 +- 0.001: significant.
    "table2.amr.ndcg@10": [0.111, 0.120, 0.131],
    "control.vbpr-continued.overall.ndcg@10": [0.100, 0.110, 0.120],
  };
  const out = controlOverSeeds(metrics, 3);
  assert.equal(out.skipped, undefined);
  assert.deepEqual(out.rows.map((r) => r.metric), ["hr@10", "ndcg@10"]);
  const hr = out.rows[0];
  assert.ok(Math.abs(hr.meanDiff - 0.07 / 3) < 1e-12);
  assert.ok(Math.abs(hr.t - Math.sqrt(7)) < 1e-9);
  assert.equal(hr.df, 2);
  assert.ok(Math.abs(hr.p - (1 - Math.sqrt(7) / 3)) < 1e-9, `${hr.p}`);
  // 95% interval: mean +- t(0.975, 2) sd / sqrt(3), t(0.975, 2) = 4.302653 (R: qt(0.975, 2)).
  const half = 4.302653 * (Math.sqrt(21) / 300) / Math.sqrt(3);
  assert.ok(Math.abs(hr.interval[0] - (0.07 / 3 - half)) < 1e-6);
  assert.ok(Math.abs(hr.interval[1] - (0.07 / 3 + half)) < 1e-6);
  assert.equal(hr.status, "inconclusive");
  assert.deepEqual(hr.amr, [0.30, 0.32, 0.35]);
  // Differences 0.011, 0.010, 0.011: mean 0.01067, sd 0.000577, t = 32, p = 0.001.
  assert.equal(out.rows[1].status, "holds");
  assert.ok(out.rows[1].p < 0.01);
  assert.match(out.test, /^paired t-test over 3 seeds of AMR minus VBPR-continued/);
  // Fewer than 3 seeds: no test; a metric a seed lacks: not measured.
  const two = controlOverSeeds({}, 2);
  assert.deepEqual(two.rows, []);
  assert.equal(two.skipped, "needs 3 or more seeds; this run has 2");
  const partial = controlOverSeeds({ "table2.amr.hr@10": [0.3, 0.3, 0.3] }, 3);
  assert.equal(partial.rows[0].status, "not measured");
});
