/**
 * Scores of each user's evaluation row — the target item, then the stored negatives in order —
 * and HR@10 / NDCG@10 straight from them (for training curves).
 *
 * Scoring goes through "scoring factors": a user matrix U and an item matrix V with
 * `y(u, i) = U_u . V_i`, built once per call (item vectors `q_i + E c_i` for all items in one
 * pass over the features, cold items' `q_i` zeroed in `zero` mode; eq. 2 concatenates
 * `[p_u | h_u]` and `[q_i | E c_i]`). Then every pair is one dot product through
 * a plain loop, chunk by chunk of users, so Amazon-size evaluations never recompute the
 * feature projection. A test checks this path against `scoreItems` on the model itself.
 *
 * @module
 */
import { visualLatents } from "./item_latent.ts";
import type { ColdMode } from "./score.ts";
import type { FeatureMatrix, Weights } from "./types.ts";
import type { EvalTarget } from "../stages/lib/train_inputs.ts";

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
    const all = new Int32Array(nItems);
    for (let i = 0; i < nItems; i++) all[i] = i;
    x = visualLatents(w.E, features, all, { k });
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

/** HR@N and NDCG@N means over the users with a target. */
export interface QuickMetrics {
  /** Cutoff N. */
  cutoff: number;
  /** Users averaged over (rows without NaN target score). */
  users: number;
  /** Mean HR@N. */
  hr: number;
  /** Mean NDCG@N. */
  ndcg: number;
}

/**
 * HR@N / NDCG@N from a score matrix of {@link targetScores}: rank = number of negatives scoring
 * at least the target's (ties count against the model), as in `models/metrics.ts`.
 *
 * @param scores float32 `[users, 1 + n]`
 * @param n negatives per user
 * @param cutoff N (default 10)
 */
export function quickMetrics(scores: Float32Array, n: number, cutoff = 10): QuickMetrics {
  const width = 1 + n;
  const users = scores.length / width;
  let count = 0;
  let hr = 0;
  let ndcg = 0;
  for (let u = 0; u < users; u++) {
    const base = u * width;
    const p = scores[base];
    if (Number.isNaN(p)) continue;
    count++;
    let rank = 0;
    for (let j = 1; j <= n && rank < cutoff; j++) if (!(scores[base + j] < p)) rank++;
    if (rank < cutoff) {
      hr += 1;
      ndcg += Math.LN2 / Math.log(rank + 2);
    }
  }
  return { cutoff, users: count, hr: hr / count, ndcg: ndcg / count };
}
