/**
 * Leave-one-out ranking metrics (paper sec. 4.1.2; GUIDE sec. 2).
 *
 * Each test user has one positive item and a fixed set of stored negatives. The positive's rank
 * is the number of negatives scoring at least as high (ties count against the model, as in the
 * authors' `Solver.py`). From the rank: `HR@N = rank < N` and
 * `NDCG@N = ln 2 / ln(rank + 2)` when `rank < N`, else 0.
 *
 * Everything is vectorised over users with typed arrays; per-user values are kept so that
 * significance tests (models/significance.ts) can pair users across methods.
 *
 * @module
 */

/** The cutoffs of the paper's Table 2. */
export const PAPER_CUTOFFS: readonly number[] = [5, 10, 20];

/** Per-user metric values for a set of cutoffs (all arrays indexed by user). */
export interface UserMetrics {
  /** The cutoffs N, in the order of `hr` and `ndcg`. */
  readonly cutoffs: readonly number[];
  /** Rank of each user's positive among its negatives (0 = best). */
  readonly ranks: Int32Array;
  /** `hr[c][u]` = HR@cutoffs[c] of user u (0 or 1). */
  readonly hr: readonly Float64Array[];
  /** `ndcg[c][u]` = NDCG@cutoffs[c] of user u. */
  readonly ndcg: readonly Float64Array[];
}

/** Mean metric values over a set of users. */
export interface MetricSummary {
  /** The cutoffs N, in the order of `hr` and `ndcg`. */
  readonly cutoffs: readonly number[];
  /** Number of users averaged over (0 gives NaN means). */
  readonly users: number;
  /** Mean HR@N per cutoff. */
  readonly hr: readonly number[];
  /** Mean NDCG@N per cutoff. */
  readonly ndcg: readonly number[];
}

/** One named per-user metric column, e.g. `{ name: "hr@10", values }`. */
export interface MetricColumn {
  /** `hr@N` or `ndcg@N`. */
  readonly name: string;
  /** Per-user values. */
  readonly values: Float64Array;
}

/**
 * Ranks each user's positive among that user's negatives.
 *
 * @param pos positive score per user (length `users`)
 * @param neg negative scores, `users x n` row-major
 * @param n number of negatives per user
 * @returns `rank[u] = #{j : neg[u, j] >= pos[u]}`
 * @throws RangeError on a shape mismatch; Error on any NaN score (a broken model, not a tie)
 */
export function rankAgainstNegatives(
  pos: Float32Array | Float64Array,
  neg: Float32Array | Float64Array,
  n: number,
): Int32Array {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`rankAgainstNegatives: n must be a non-negative integer, got ${n}`);
  }
  const users = pos.length;
  if (neg.length !== users * n) {
    throw new RangeError(
      `rankAgainstNegatives: neg has ${neg.length} scores, expected ${users} x ${n} = ${users * n}`,
    );
  }
  const ranks = new Int32Array(users);
  for (let u = 0; u < users; u++) {
    const p = pos[u];
    if (Number.isNaN(p)) throw new Error(`rankAgainstNegatives: NaN positive score for user ${u}`);
    let rank = 0;
    const base = u * n;
    for (let j = 0; j < n; j++) {
      const s = neg[base + j];
      if (s >= p) rank++;
      else if (s !== s) {
        throw new Error(`rankAgainstNegatives: NaN score for user ${u}, negative ${j}`);
      }
    }
    ranks[u] = rank;
  }
  return ranks;
}

/**
 * HR@N and NDCG@N per user from ranks.
 *
 * @param ranks rank per user (0 = best), e.g. from {@link rankAgainstNegatives}
 * @param cutoffs the N values (default 5, 10, 20)
 */
export function metricsFromRanks(
  ranks: Int32Array,
  cutoffs: readonly number[] = PAPER_CUTOFFS,
): UserMetrics {
  for (const c of cutoffs) {
    if (!Number.isInteger(c) || c <= 0) {
      throw new RangeError(`metricsFromRanks: cutoffs must be positive integers, got ${c}`);
    }
  }
  const users = ranks.length;
  const hr = cutoffs.map(() => new Float64Array(users));
  const ndcg = cutoffs.map(() => new Float64Array(users));
  for (let u = 0; u < users; u++) {
    const r = ranks[u];
    if (r < 0) throw new RangeError(`metricsFromRanks: negative rank ${r} for user ${u}`);
    const gain = Math.LN2 / Math.log(r + 2);
    for (let c = 0; c < cutoffs.length; c++) {
      if (r < cutoffs[c]) {
        hr[c][u] = 1;
        ndcg[c][u] = gain;
      }
    }
  }
  return { cutoffs: [...cutoffs], ranks, hr, ndcg };
}

/**
 * Means of the per-user metrics, over all users or over those where `mask` is true
 * (e.g. users whose test item is cold).
 *
 * @param metrics per-user metrics
 * @param mask optional per-user selection (non-zero / true = included)
 */
export function summarise(
  metrics: UserMetrics,
  mask?: ArrayLike<boolean | number>,
): MetricSummary {
  const users = metrics.ranks.length;
  if (mask !== undefined && mask.length !== users) {
    throw new RangeError(`summarise: mask has length ${mask.length}, expected ${users}`);
  }
  let count = 0;
  const hr = metrics.cutoffs.map(() => 0);
  const ndcg = metrics.cutoffs.map(() => 0);
  for (let u = 0; u < users; u++) {
    if (mask !== undefined && !mask[u]) continue;
    count++;
    for (let c = 0; c < metrics.cutoffs.length; c++) {
      hr[c] += metrics.hr[c][u];
      ndcg[c] += metrics.ndcg[c][u];
    }
  }
  return {
    cutoffs: [...metrics.cutoffs],
    users: count,
    hr: hr.map((s) => s / count),
    ndcg: ndcg.map((s) => s / count),
  };
}

/** The complement of a boolean mask (warm = not cold), as a Uint8Array of 0/1. */
export function invertMask(mask: ArrayLike<boolean | number>): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let u = 0; u < mask.length; u++) out[u] = mask[u] ? 0 : 1;
  return out;
}

/** Metric names in Table 2 order: `hr@N` for every cutoff, then `ndcg@N`. */
export function metricNames(cutoffs: readonly number[] = PAPER_CUTOFFS): string[] {
  return [...cutoffs.map((c) => `hr@${c}`), ...cutoffs.map((c) => `ndcg@${c}`)];
}

/** Per-user metric columns in {@link metricNames} order. */
export function metricColumns(metrics: UserMetrics): MetricColumn[] {
  const names = metricNames(metrics.cutoffs);
  const values = [...metrics.hr, ...metrics.ndcg];
  return names.map((name, k) => ({ name, values: values[k] }));
}

/** Summary means in {@link metricNames} order (HR@N..., then NDCG@N...). */
export function summaryValues(summary: MetricSummary): number[] {
  return [...summary.hr, ...summary.ndcg];
}
