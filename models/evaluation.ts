/**
 * Leave-one-out evaluation (paper sec. 4.1.2), the one place that scores, ranks and measures.
 *
 * Each evaluated user has one target item and a fixed list of stored negatives ({@link
 * EvalTarget}). A model's scores of a user's row (the target, then the negatives in order) come
 * from its "scoring factors": a user matrix U and an item matrix V with `y(u, i) = U_u . V_i`,
 * built once per call (item vectors `q_i + E c_i` for all items in one pass over the features,
 * cold items' `q_i` zeroed in `zero` mode; eq. 2 concatenates `[p_u | h_u]` and `[q_i | E c_i]`),
 * so Amazon-size evaluations never recompute the feature projection.
 *
 * The ranking rule: the target's rank is the number of negatives scoring at least as high as the
 * target (ties count against the model, as in the authors' `Solver.py`; 0 = best). From the
 * rank: `HR@N = rank < N` and `NDCG@N = ln 2 / ln(rank + 2)` when `rank < N`, else 0. A user
 * without a rank (no target) has rank -1 and NaN metrics, and no mean counts them.
 *
 * Per-user values are kept so that significance tests (models/significance.ts) can pair users
 * across methods; {@link evaluateScores} adds the cold/warm split of the `evaluate` stage.
 *
 * @module
 */
import { visualLatents } from "./item_latent.ts";
import type { ColdMode } from "./score.ts";
import type { FeatureMatrix, Weights } from "./types.ts";

/** The cutoffs of the paper's Table 2. */
export const PAPER_CUTOFFS: readonly number[] = [5, 10, 20];

/** Each user's target item and stored negatives. */
export interface EvalTarget {
  /** Number of users (rows). */
  users: number;
  /** Target item per user, `-1` = no target (skipped). */
  items: Int32Array;
  /** Negatives per user. */
  n: number;
  /** Negatives, `users x n` row-major. */
  negatives: Int32Array;
  /** Users with a target. */
  evaluated: number;
}

// ---------------------------------------------------------------------------------------------
// Scoring

/** `y(u, i) = U_u . V_i` for every user and item. */
export interface ScoringFactors {
  /** Width of the factors (K, or 2K for eq. 2). */
  k: number;
  /** User factors, users x k. */
  U: Float32Array;
  /** Item factors, items x k. */
  V: Float32Array;
}

/** Options of {@link scoringFactors}. */
export interface FactorOptions {
  /** Cold-start flags per item (`1` = cold). */
  coldItems?: Uint8Array;
  /** `zero` (paper, default): cold items' q_i = 0; `official`: their random q_i is kept. */
  coldMode?: ColdMode;
  /**
   * `E c_i` of every item (items x K), computed elsewhere (on the WebGPU device:
   * models/device_features.ts `deviceLatents`); absent: computed here on WASM.
   */
  latents?: Float32Array;
}

/**
 * The scoring factors of a model (MF-BPR, DUIF, VBPR eq. 4 / eq. 2, AMR, eALS as MF).
 *
 * @param w model weights
 * @param features item features (required when `w.E` is set)
 * @param opts cold-item handling
 */
export function scoringFactors(
  w: Weights,
  features: FeatureMatrix | null,
  opts: FactorOptions = {},
): ScoringFactors {
  const k = w.k;
  const nItems = w.Q ? w.Q.length / k : features?.rows ?? 0;
  let q: Float32Array | null = null;
  if (w.Q) {
    q = w.Q.slice();
    if ((opts.coldMode ?? "zero") === "zero" && opts.coldItems) {
      for (let i = 0; i < nItems; i++) if (opts.coldItems[i]) q.fill(0, i * k, i * k + k);
    }
  }
  let x: Float32Array | null = null;
  if (w.E) {
    if (!features) throw new Error("scoringFactors: the model needs features");
    if (opts.latents) {
      if (opts.latents.length !== nItems * k) {
        throw new RangeError(
          `scoringFactors: latents hold ${opts.latents.length} values, expected ${nItems}x${k}`,
        );
      }
      x = opts.latents.slice();
    } else {
      const all = new Int32Array(nItems);
      for (let i = 0; i < nItems; i++) all[i] = i;
      x = visualLatents(w.E, features, all, { k });
    }
  }
  if (w.H) {
    if (!q || !x) throw new Error("scoringFactors: an eq. 2 model needs Q and E");
    return { k: 2 * k, U: interleave(w.P, w.H, k), V: interleave(q, x, k) };
  }
  if (q && x) {
    for (let t = 0; t < q.length; t++) q[t] += x[t];
    return { k, U: w.P, V: q };
  }
  const V = q ?? x;
  if (!V) throw new Error("scoringFactors: the model has neither Q nor E");
  return { k, U: w.P, V };
}

/** Rows `[a_r | b_r]` of two matrices of width k. */
function interleave(a: Float32Array, b: Float32Array, k: number): Float32Array {
  const rows = a.length / k;
  const out = new Float32Array(rows * 2 * k);
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * k, r * k + k), r * 2 * k);
    out.set(b.subarray(r * k, r * k + k), r * 2 * k + k);
  }
  return out;
}

/** Scores a list of (user, item) pairs. */
export type PairScorer = (users: Int32Array, items: Int32Array) => Float32Array;

/**
 * A {@link PairScorer} over scoring factors: one K-wide dot product per pair, reading U and V in
 * place (the same sums, in the same order, as `scoreItems` on `{P: U, Q: V}`, without its
 * per-call copy of the distinct items' rows, which at Amazon scale is most of a chunk's time).
 */
export function factorScorer(f: ScoringFactors): PairScorer {
  const { k, U, V } = f;
  return (users, items) => {
    if (users.length !== items.length) throw new RangeError("factorScorer: users and items differ");
    const out = new Float32Array(users.length);
    for (let r = 0; r < users.length; r++) {
      const pu = users[r] * k;
      const qi = items[r] * k;
      let y = 0;
      for (let c = 0; c < k; c++) y += U[pu + c] * V[qi + c];
      out[r] = y;
    }
    return out;
  };
}

/**
 * Scores every user's evaluation row: column 0 the target item, columns 1..n the stored
 * negatives in order. Users without a target get a row of NaN.
 *
 * @param score pair scorer
 * @param target the phase's eval target
 * @param opts `chunkUsers`: users per scoring call (default 2048)
 * @returns float32 `[users, 1 + n]`, row-major
 */
export function targetScores(
  score: PairScorer,
  target: EvalTarget,
  opts: { chunkUsers?: number } = {},
): Float32Array {
  const width = 1 + target.n;
  const out = new Float32Array(target.users * width).fill(NaN);
  const chunk = opts.chunkUsers ?? 2048;
  for (let a = 0; a < target.users; a += chunk) {
    const b = Math.min(target.users, a + chunk);
    const rows: number[] = [];
    for (let u = a; u < b; u++) if (target.items[u] >= 0) rows.push(u);
    if (rows.length === 0) continue;
    const users = new Int32Array(rows.length * width);
    const items = new Int32Array(rows.length * width);
    rows.forEach((u, r) => {
      users.fill(u, r * width, (r + 1) * width);
      items[r * width] = target.items[u];
      items.set(target.negatives.subarray(u * target.n, (u + 1) * target.n), r * width + 1);
    });
    const s = score(users, items);
    rows.forEach((u, r) => out.set(s.subarray(r * width, (r + 1) * width), u * width));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ranking

/** Options of {@link rankTargets}. */
export interface RankOptions {
  /**
   * Target item per user; a user with `-1` is not ranked, whatever its row holds. Without it,
   * a user is ranked when the target's score is not NaN.
   */
  targets?: Int32Array;
  /**
   * `unranked` (default): a NaN target score leaves the user unranked and a NaN negative counts
   * against the target (a diverged model gets no credit); `error`: any NaN score in a ranked
   * row throws (a broken model, not a tie).
   */
  nan?: "unranked" | "error";
}

/**
 * Ranks each user's target among its negatives: `rank[u] = #{j : negative j scores >= the
 * target}` (ties count against the model; 0 = best), -1 for a user without a rank.
 *
 * @param scores `[users, 1 + n]` row-major: the target's score, then the negatives'
 * @param n negatives per user
 * @param opts which users are ranked and how NaN scores are handled
 * @throws RangeError when the scores do not fit `users x (1 + n)`; Error on a NaN score with
 *   `nan: "error"`
 */
export function rankTargets(
  scores: Float32Array | Float64Array,
  n: number,
  opts: RankOptions = {},
): Int32Array {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`rankTargets: n must be a non-negative integer, got ${n}`);
  }
  const width = 1 + n;
  const users = opts.targets?.length ?? Math.floor(scores.length / width);
  if (scores.length !== users * width) {
    throw new RangeError(`rankTargets: ${scores.length} scores do not fit rows of 1 + ${n}`);
  }
  const strict = opts.nan === "error";
  const ranks = new Int32Array(users);
  for (let u = 0; u < users; u++) {
    const base = u * width;
    const p = scores[base];
    if (opts.targets && opts.targets[u] < 0) {
      ranks[u] = -1;
      continue;
    }
    if (Number.isNaN(p)) {
      if (strict) throw new Error(`rankTargets: NaN target score for user ${u}`);
      ranks[u] = -1;
      continue;
    }
    let rank = 0;
    for (let j = 1; j <= n; j++) {
      const s = scores[base + j];
      if (!(s < p)) {
        if (strict && s !== s) {
          throw new Error(`rankTargets: NaN score for user ${u}, negative ${j - 1}`);
        }
        rank++;
      }
    }
    ranks[u] = rank;
  }
  return ranks;
}

// ---------------------------------------------------------------------------------------------
// Metrics

/** Per-user metric values for a set of cutoffs (all arrays indexed by user). */
export interface UserMetrics {
  /** The cutoffs N, in the order of `hr` and `ndcg`. */
  readonly cutoffs: readonly number[];
  /** Rank of each user's target among its negatives (0 = best, -1 = not ranked). */
  readonly ranks: Int32Array;
  /** `hr[c][u]` = HR@cutoffs[c] of user u (0 or 1; NaN when not ranked). */
  readonly hr: readonly Float64Array[];
  /** `ndcg[c][u]` = NDCG@cutoffs[c] of user u (NaN when not ranked). */
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

/** NDCG gain of a target at `rank` inside the cutoff: `ln 2 / ln(rank + 2)`. */
export function ndcgGain(rank: number): number {
  return Math.LN2 / Math.log(rank + 2);
}

/**
 * The rank whose {@link ndcgGain} is `gain` (exact for gains of integer ranks), and `otherwise`
 * for a zero gain (the rank lay beyond the cutoff).
 */
export function rankOfGain(gain: number, otherwise: number): number {
  return gain > 0 ? Math.round(Math.exp(Math.LN2 / gain) - 2) : otherwise;
}

/**
 * HR@N and NDCG@N per user from ranks; users with rank -1 get NaN.
 *
 * @param ranks rank per user (0 = best, -1 = not ranked), e.g. from {@link rankTargets}
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
    if (r < -1) throw new RangeError(`metricsFromRanks: rank ${r} for user ${u}`);
    if (r === -1) {
      for (let c = 0; c < cutoffs.length; c++) hr[c][u] = ndcg[c][u] = NaN;
      continue;
    }
    const gain = ndcgGain(r);
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
 * Means of the per-user metrics over the ranked users, all of them or those where `mask` is
 * true (e.g. users whose test item is cold).
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
    if (metrics.ranks[u] < 0 || (mask !== undefined && !mask[u])) continue;
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

/** HR@N and NDCG@N means at one cutoff. */
export interface CutoffMetrics {
  /** Cutoff N. */
  cutoff: number;
  /** Ranked users averaged over (0 gives NaN means). */
  users: number;
  /** Mean HR@N. */
  hr: number;
  /** Mean NDCG@N. */
  ndcg: number;
}

/**
 * HR@N and NDCG@N means over the ranked users (rank -1 = skipped).
 *
 * @param ranks rank per user
 * @param cutoff N (default 10)
 */
export function rankMetrics(ranks: Int32Array, cutoff = 10): CutoffMetrics {
  const s = summarise(metricsFromRanks(ranks, [cutoff]));
  return { cutoff, users: s.users, hr: s.hr[0], ndcg: s.ndcg[0] };
}

/**
 * HR@N and NDCG@N means straight from a score matrix of {@link targetScores} (training
 * curves): users whose target score is NaN are skipped.
 *
 * @param scores float32 `[users, 1 + n]`
 * @param n negatives per user
 * @param cutoff N (default 10)
 */
export function scoreMetrics(scores: Float32Array, n: number, cutoff = 10): CutoffMetrics {
  return rankMetrics(rankTargets(scores, n), cutoff);
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

// ---------------------------------------------------------------------------------------------
// The evaluate stage's evaluation

/** Means and user count of one group of users, keyed by {@link metricNames}. */
export interface GroupSummary {
  /** Users averaged over. */
  users: number;
  /** Mean per metric name. */
  values: Record<string, number>;
}

/** Per-user evaluation of one score matrix. */
export interface Evaluation {
  /** Rank per user, -1 without a target. */
  ranks: Int32Array;
  /** `[users, 6]` metrics in `metricNames()` order, NaN rows without a target. */
  metrics: Float32Array;
  /** 1 where the user's target item is cold. */
  cold: Uint8Array;
  /** Means and counts over all, cold and warm users with a target. */
  summary: Record<"overall" | "cold" | "warm", GroupSummary>;
}

/**
 * Evaluates a score matrix at the paper's cutoffs. A target item is cold when it appears in no
 * training pair of the phase.
 *
 * @param scores float32 `[users, 1 + n]`: target score, then the negatives'
 * @param target target item per user (-1 = none, its row is ignored)
 * @param trainItems items of the phase's training pairs (for the cold flags)
 * @throws Error on a NaN score in the row of a user with a target
 */
export function evaluateScores(
  scores: Float32Array,
  target: Int32Array,
  trainItems: Int32Array,
): Evaluation {
  const users = target.length;
  const width = scores.length / users;
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`evaluate: ${scores.length} scores do not fit ${users} users`);
  }
  const ranks = rankTargets(scores, width - 1, { targets: target, nan: "error" });
  const per = metricsFromRanks(ranks, PAPER_CUTOFFS);
  const names = metricNames(PAPER_CUTOFFS);
  const cols = [...per.hr, ...per.ndcg];
  const metrics = new Float32Array(users * names.length);
  for (let u = 0; u < users; u++) {
    for (let c = 0; c < names.length; c++) metrics[u * names.length + c] = cols[c][u];
  }
  let maxItem = 0;
  for (let u = 0; u < users; u++) if (target[u] > maxItem) maxItem = target[u];
  const inTrain = new Uint8Array(maxItem + 1);
  for (let t = 0; t < trainItems.length; t++) {
    if (trainItems[t] < inTrain.length) inTrain[trainItems[t]] = 1;
  }
  const cold = new Uint8Array(users);
  for (let u = 0; u < users; u++) if (target[u] >= 0) cold[u] = inTrain[target[u]] ? 0 : 1;
  const describe = (mask?: Uint8Array): GroupSummary => {
    const s = summarise(per, mask);
    const v = summaryValues(s);
    return { users: s.users, values: Object.fromEntries(names.map((name, k) => [name, v[k]])) };
  };
  return {
    ranks,
    metrics,
    cold,
    summary: { overall: describe(), cold: describe(cold), warm: describe(invertMask(cold)) },
  };
}
