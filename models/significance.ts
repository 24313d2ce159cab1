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
