/**
 * Significance and relative improvement for Table 2 (paper sec. 4.1.2 and Table 2 caption).
 *
 * The paired t-test runs over users: the per-user differences of one metric between two
 * methods evaluated on the same users and negatives. The p-value comes from jStat's Student t
 * distribution.
 *
 * @module
 */

import jStat from "jstat";

/** Result of a paired two-sided t-test of `a - b`. */
export interface PairedTTest {
  /** Number of pairs. */
  readonly n: number;
  /** Degrees of freedom, `n - 1`. */
  readonly df: number;
  /** Mean of `a[i] - b[i]`. */
  readonly meanDiff: number;
  /** Sample standard deviation of the differences. */
  readonly sdDiff: number;
  /** t statistic `meanDiff / (sdDiff / sqrt(n))` (±Infinity when all differences are equal
   * and non-zero, 0 when all are zero). */
  readonly t: number;
  /** Two-sided p-value (1 when all differences are zero, 0 when they are all equal and
   * non-zero, NaN when n < 2). */
  readonly p: number;
}

/**
 * Paired two-sided t-test of `a - b` over aligned samples (e.g. users).
 *
 * @param a per-user values of one method
 * @param b per-user values of the other, same order
 * @throws RangeError when the lengths differ; Error on a NaN value
 */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>): PairedTTest {
  if (a.length !== b.length) {
    throw new RangeError(`pairedTTest: lengths differ (${a.length} vs ${b.length})`);
  }
  const n = a.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (Number.isNaN(d)) throw new Error(`pairedTTest: NaN at index ${i}`);
    sum += d;
  }
  const meanDiff = n > 0 ? sum / n : NaN;
  if (n < 2) return { n, df: Math.max(n - 1, 0), meanDiff, sdDiff: NaN, t: NaN, p: NaN };
  let ss = 0;
  let allEqual = true;
  const d0 = a[0] - b[0];
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== d0) allEqual = false;
    ss += (d - meanDiff) * (d - meanDiff);
  }
  const df = n - 1;
  const sdDiff = allEqual ? 0 : Math.sqrt(ss / df);
  if (sdDiff === 0) {
    // Zero variance: no evidence either way if nothing differs, certainty otherwise.
    if (d0 === 0) return { n, df, meanDiff: 0, sdDiff: 0, t: 0, p: 1 };
    return { n, df, meanDiff, sdDiff: 0, t: d0 > 0 ? Infinity : -Infinity, p: 0 };
  }
  const t = meanDiff / (sdDiff / Math.sqrt(n));
  // 2 * lower tail at -|t| keeps precision for large |t| (1 - cdf would round to 0 early).
  const p = Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(t), df));
  return { n, df, meanDiff, sdDiff, t, p };
}

/**
 * Holm's step-down adjustment of a family of p-values (Holm 1979; R's
 * `p.adjust(p, method = "holm")`): with the m finite p-values sorted ascending,
 * `adj(i) = max over j <= i of min(1, (m - j + 1) p(j))`. Comparing each adjusted p with alpha
 * controls the family-wise error rate at alpha under any dependence. Non-finite entries (a test
 * that did not run) are not part of the family and stay NaN; the result keeps the input's order.
 *
 * @param p the family's raw p-values
 * @returns the adjusted p-values, same order
 */
export function holmAdjust(p: readonly number[]): number[] {
  const idx = p.map((_, i) => i).filter((i) => Number.isFinite(p[i]));
  // Stable sort: tied p-values keep their input order (the adjusted values agree anyway).
  idx.sort((a, b) => p[a] - p[b]);
  const m = idx.length;
  const out = p.map(() => NaN);
  let running = 0;
  idx.forEach((i, j) => {
    running = Math.max(running, Math.min(1, (m - j) * p[i]));
    out[i] = running;
  });
  return out;
}

/**
 * Relative improvement of `ours` over `base`, averaged over metrics:
 * `mean_k (ours[k] - base[k]) / base[k]` (a fraction: 0.2218 is 22.18%).
 *
 * Zero base guard: a metric with `base = ours = 0` counts as no improvement (0); a metric with
 * `base = 0 < ours` has no finite relative value and is left out of the average. When every
 * metric is left out the result is NaN.
 *
 * @param ours metric means of our method
 * @param base metric means of the baseline, same order
 */
export function relativeImprovement(
  ours: readonly number[],
  base: readonly number[],
): number {
  if (ours.length !== base.length) {
    throw new RangeError(`relativeImprovement: lengths differ (${ours.length} vs ${base.length})`);
  }
  let sum = 0;
  let used = 0;
  for (let k = 0; k < ours.length; k++) {
    if (base[k] === 0) {
      if (ours[k] === 0) used++;
      continue;
    }
    sum += (ours[k] - base[k]) / base[k];
    used++;
  }
  return used > 0 ? sum / used : NaN;
}

/**
 * Two-sided `level` confidence interval of a mean from its estimate, sample standard deviation
 * and size, with Student's t quantile at n - 1 degrees of freedom (NaN bounds when n < 2).
 *
 * @param mean sample mean
 * @param sd sample standard deviation
 * @param n sample size
 * @param level coverage, e.g. 0.95
 */
export function tInterval(mean: number, sd: number, n: number, level = 0.95): [number, number] {
  if (n < 2 || !Number.isFinite(sd)) return [NaN, NaN];
  const q = jStat.studentt.inv(1 - (1 - level) / 2, n - 1);
  const half = q * sd / Math.sqrt(n);
  return [mean - half, mean + half];
}

/** Minimal random source of {@link pairedBootstrap} (`pipeline/stage/rng.ts`'s `Rng` fits). */
export interface UniformIntSource {
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** Result of {@link pairedBootstrap}. */
export interface BootstrapResult {
  /** The statistic on the original sample. */
  readonly estimate: number;
  /** Lower bound of the percentile interval. */
  readonly lo: number;
  /** Upper bound of the percentile interval. */
  readonly hi: number;
  /** Coverage of the interval. */
  readonly level: number;
  /** Two-sided p-value of "the statistic is 0": `(1 + 2 min(#<=0, #>=0)) / (B + 1)`, at most 1. */
  readonly p: number;
  /** Resamples with a finite statistic. */
  readonly resamples: number;
}

/** Options of {@link pairedBootstrap}. */
export interface BootstrapOptions {
  /** Random source (seeded: the result is reproducible). */
  readonly rng: UniformIntSource;
  /** Number of resamples (default 2000). */
  readonly resamples?: number;
  /** Interval coverage (default 0.95). */
  readonly level?: number;
}

/**
 * Paired bootstrap over units (users): each resample draws, within every stratum, as many
 * units as it holds, with replacement, and evaluates `statistic` on the drawn index lists;
 * every quantity of one unit (e.g. a user's clean and attacked NDCG under both models) moves
 * together, which is what makes it paired. Percentile interval; non-finite resampled values
 * (e.g. a zero denominator) are dropped.
 *
 * @param strata index lists of the units, one per stratum (e.g. [all users], or [cold, warm])
 * @param statistic the quantity, from one index list per stratum
 * @param opts random source, resamples, level
 */
export function pairedBootstrap(
  strata: readonly (readonly number[])[],
  statistic: (sample: readonly Int32Array[]) => number,
  opts: BootstrapOptions,
): BootstrapResult {
  const B = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const original = strata.map((s) => Int32Array.from(s));
  const estimate = statistic(original);
  const draws: number[] = [];
  const buf = strata.map((s) => new Int32Array(s.length));
  for (let b = 0; b < B; b++) {
    strata.forEach((s, k) => {
      const out = buf[k];
      for (let i = 0; i < s.length; i++) out[i] = s[opts.rng.int(s.length)];
    });
    const v = statistic(buf);
    if (Number.isFinite(v)) draws.push(v);
  }
  if (draws.length === 0) return { estimate, lo: NaN, hi: NaN, level, p: NaN, resamples: 0 };
  draws.sort((x, y) => x - y);
  const at = (q: number) =>
    draws[Math.min(draws.length - 1, Math.max(0, Math.floor(q * draws.length)))];
  let below = 0;
  let above = 0;
  for (const v of draws) {
    if (v <= 0) below++;
    if (v >= 0) above++;
  }
  const p = Math.min(1, (1 + 2 * Math.min(below, above)) / (draws.length + 1));
  return {
    estimate,
    lo: at((1 - level) / 2),
    hi: at(1 - (1 - level) / 2),
    level,
    p,
    resamples: draws.length,
  };
}

/** Verdict of a directional claim from a test: the claimed direction is "positive". */
export type TestVerdict = "holds" | "fails" | "inconclusive";

/**
 * The verdict of "the quantity is positive" from a two-sided test: holds when the estimate is
 * positive and p < alpha, fails when it is negative and p < alpha, inconclusive otherwise.
 *
 * @param estimate the quantity's estimate (claimed direction: > 0)
 * @param p two-sided p-value
 * @param alpha significance level
 */
export function directionalVerdict(estimate: number, p: number, alpha: number): TestVerdict {
  if (!Number.isFinite(p) || !(p < alpha) || estimate === 0 || !Number.isFinite(estimate)) {
    return "inconclusive";
  }
  return estimate > 0 ? "holds" : "fails";
}
