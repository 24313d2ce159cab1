import assert from "node:assert/strict";
import { assertClose } from "../assert_close.ts";
import {
  directionalVerdict,
  holmAdjust,
  pairedBootstrap,
  pairedTTest,
  relativeImprovement,
  tInterval,
} from "../../models/significance.ts";
import { Rng } from "../../pipeline/stage/rng.ts";

// Student's sleep data (Cushny & Peebles 1905; Student 1908; R's `sleep` data set): extra hours
// of sleep of 10 patients under drug 1 and drug 2. Expected values from
// scipy 1.17.1 `scipy.stats.ttest_rel(drug2, drug1)`: t = 4.062127683382037,
// p = 0.002832890197384273; R's `t.test(extra ~ group, data = sleep, paired = TRUE)` prints
// t = -4.0621, df = 9, p-value = 0.002833, mean difference -1.58 (drug 1 minus drug 2).
const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

Deno.test("pairedTTest: Student's sleep data matches scipy and R", () => {
  const r = pairedTTest(drug2, drug1);
  assert.equal(r.n, 10);
  assert.equal(r.df, 9);
  assertClose(r.meanDiff, 1.58, 1e-12, "mean difference");
  assertClose(r.t, 4.062127683382037, 1e-9, "t");
  assertClose(r.p, 0.002832890197384273, 1e-9, "p");
  const back = pairedTTest(drug1, drug2);
  assertClose(back.t, -4.062127683382037, 1e-9, "t reversed");
  assertClose(back.p, r.p, 1e-15, "two-sided p is symmetric");
});

Deno.test("pairedTTest: a non-significant case (scipy ttest_rel)", () => {
  // scipy.stats.ttest_rel(a, b) -> t = 0.14843352234823076, p = 0.8878012524205836.
  const a = new Float64Array([0.1, 0.0, 1.0, 0.0, 1.0, 0.631]);
  const b = new Float64Array([0.0, 0.0, 1.0, 1.0, 0.0, 0.5]);
  const r = pairedTTest(a, b);
  assertClose(r.t, 0.14843352234823076, 1e-9, "t");
  assertClose(r.p, 0.8878012524205836, 1e-8, "p"); // jStat ibeta: ~1e-9 accuracy
});

Deno.test("pairedTTest: zero variance, tiny samples, bad input", () => {
  const same = pairedTTest([1, 0, 1], [1, 0, 1]);
  assert.equal(same.t, 0);
  assert.equal(same.p, 1);
  const shifted = pairedTTest([2, 1, 2], [1, 0, 1]);
  assert.equal(shifted.t, Infinity);
  assert.equal(shifted.p, 0);
  assert.equal(shifted.meanDiff, 1);
  assert.equal(pairedTTest([1, 0], [2, 1]).t, -Infinity);
  const one = pairedTTest([1], [0]);
  assert.ok(Number.isNaN(one.p) && Number.isNaN(one.t));
  assert.throws(() => pairedTTest([1, 2], [1]), /lengths differ/);
  assert.throws(() => pairedTTest([1, NaN], [1, 2]), /NaN at index 1/);
});

Deno.test("pairedTTest: huge t keeps a tiny but positive p", () => {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 200; i++) {
    a.push(1 + (i % 7) * 0.01);
    b.push((i % 5) * 0.01);
  }
  const r = pairedTTest(a, b);
  assert.ok(r.t > 100);
  assert.ok(r.p >= 0 && r.p < 1e-100, `p = ${r.p}`);
});

Deno.test("relativeImprovement: mean of per-metric relative gains, zero-base guard", () => {
  // (0.2 - 0.1)/0.1 = 1, (0.3 - 0.2)/0.2 = 0.5 -> 0.75
  assertClose(relativeImprovement([0.2, 0.3], [0.1, 0.2]), 0.75, 1e-12);
  // Paper Table 2, Pinterest, AMR over VBPR: six metrics -> 7.70% in the paper.
  const amr = [0.1392, 0.2033, 0.2697, 0.1026, 0.1230, 0.1398];
  const vbpr = [0.1352, 0.1829, 0.2347, 0.1005, 0.1157, 0.1287];
  assertClose(relativeImprovement(amr, vbpr), 0.0770, 5e-4, "paper RI");
  // base = ours = 0 counts as 0; base = 0 < ours is left out; nothing usable -> NaN.
  assertClose(relativeImprovement([0, 0.2], [0, 0.1]), 0.5, 1e-12);
  assertClose(relativeImprovement([0.1, 0.2], [0, 0.1]), 1, 1e-12);
  assert.ok(Number.isNaN(relativeImprovement([0.1], [0])));
  assert.throws(() => relativeImprovement([1], [1, 2]), /lengths differ/);
});

Deno.test("pairedBootstrap: seeded, covers the true mean difference, p small for a clear effect", () => {
  const rng = new Rng(3);
  const n = 500;
  const a = Array.from({ length: n }, () => 1 + rng.normal());
  const b = a.map((x) => x - 0.5 + 0.5 * rng.normal());
  const users = a.map((_, i) => i);
  const stat = (s: readonly Int32Array[]) => {
    let d = 0;
    for (const i of s[0]) d += a[i] - b[i];
    return d / s[0].length;
  };
  const r1 = pairedBootstrap([users], stat, { rng: new Rng(9), resamples: 1000 });
  const r2 = pairedBootstrap([users], stat, { rng: new Rng(9), resamples: 1000 });
  assert.deepEqual(r1, r2);
  assert.ok(r1.lo < 0.5 && r1.hi > 0.5, `[${r1.lo}, ${r1.hi}]`);
  assert.ok(r1.lo > 0.4 && r1.hi < 0.6);
  assert.equal(r1.p, 1 / 1001);
  const t = pairedTTest(a, b);
  const [lo, hi] = tInterval(t.meanDiff, t.sdDiff, t.n);
  // Bootstrap and t intervals of a mean agree closely for n = 500.
  assert.ok(Math.abs(lo - r1.lo) < 0.02 && Math.abs(hi - r1.hi) < 0.02, `${lo} ${hi}`);
  const none = pairedBootstrap([users], () => 0, { rng: new Rng(1), resamples: 100 });
  assert.equal(none.p, 1);
});

Deno.test("directionalVerdict: holds / fails only when significant", () => {
  assert.equal(directionalVerdict(0.1, 0.01, 0.05), "holds");
  assert.equal(directionalVerdict(-0.1, 0.01, 0.05), "fails");
  assert.equal(directionalVerdict(0.1, 0.2, 0.05), "inconclusive");
  assert.equal(directionalVerdict(0.1, NaN, 0.05), "inconclusive");
});

Deno.test("holmAdjust: Holm's step-down p-values, as R's p.adjust(method = 'holm')", () => {
  const close = (got: number[], want: number[]) =>
    got.forEach((g, i) => assertClose(g, want[i], 1e-12));
  // p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") -> 0.03 0.06 0.06 0.02. By hand: sorted
  // 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> running max 0.06.
  close(holmAdjust([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02]);
  // p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") -> 0.05 0.08 0.09 0.09 0.09:
  // 0.05, 0.08, 0.09, then 0.08 and 0.05 are raised to the running max 0.09.
  close(holmAdjust([0.01, 0.02, 0.03, 0.04, 0.05]), [0.05, 0.08, 0.09, 0.09, 0.09]);
  // Capped at 1: 0.5 x 2 = 1, 0.6 x 1 = 0.6 -> max 1.
  close(holmAdjust([0.6, 0.5]), [1, 1]);
  // A test that did not run (NaN) is not in the family: m = 2 here, and it stays NaN.
  const gap = holmAdjust([0.02, NaN, 0.01]);
  close([gap[0], gap[2]], [0.02, 0.02]);
  assert.ok(Number.isNaN(gap[1]));
  // One test: unchanged; none: empty.
  close(holmAdjust([0.037]), [0.037]);
  assert.deepEqual(holmAdjust([]), []);
  // Between the raw p and Bonferroni's min(1, m p) for any family.
  const rng = new Rng(3);
  const ps = Array.from({ length: 12 }, () => rng.int(1000) / 1000);
  holmAdjust(ps).forEach((h, i) => {
    assert.ok(h >= ps[i] && h <= Math.min(1, ps.length * ps[i]) + 1e-15, `${ps[i]} -> ${h}`);
  });
});
