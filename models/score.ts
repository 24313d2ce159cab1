/**
 * Scores of (user, item) pairs for evaluation: item vectors are computed once per call for the
 * distinct items (feature projections in chunks), then each pair is a K-wide dot product.
 *
 * Cold-start items (no training interaction) score with `q_i = 0` in `zero` mode (paper,
 * sec. 4.1.3: only `E c_i` is known for them) and with their never-trained random `q_i` in
 * `official` mode (authors' code).
 *
 * @module
 */
import { visualLatents } from "./item_latent.ts";
import { slotMap, uniqueSlots } from "./slots.ts";
import type { FeatureMatrix, Weights } from "./types.ts";

/** How cold-start items' ID embeddings are treated at test time. */
export type ColdMode = "zero" | "official";

/** Options of {@link scoreItems}. */
export interface ScoreOptions {
  /** Cold-start flags per item (`1` = cold), e.g. from `coldItems(trainSet)`. */
  coldItems?: Uint8Array;
  /** `zero` (default, paper) or `official`; only matters with `coldItems`. */
  coldMode?: ColdMode;
  /**
   * Perturbations of item latent vectors, `E Delta_i` (items.length x K, see models/perturb.ts):
   * scores then use features `c_i + Delta_i` for these items.
   */
  visualOffset?: { items: Int32Array; latent: Float32Array };
}

/**
 * Scores `y(users[t], items[t])` for every pair t (paper eq. 4, or eq. 2 when the weights have H;
 * MF when E is null, DUIF when Q is null).
 */
export function scoreItems(
  w: Weights,
  features: FeatureMatrix | null,
  users: Int32Array,
  items: Int32Array,
  opts: ScoreOptions = {},
): Float32Array {
  if (users.length !== items.length) throw new RangeError("scoreItems: users and items differ");
  const k = w.k;
  const nItems = w.Q ? w.Q.length / k : features?.rows ?? 0;
  const { uniq, slots } = uniqueSlots([items], slotMap(nItems));
  const slot = slots[0];
  const n = uniq.length;
  // Item ID part (possibly zeroed for cold items) and visual part, per distinct item.
  let q: Float32Array | null = null;
  if (w.Q) {
    q = new Float32Array(n * k);
    const zeroCold = (opts.coldMode ?? "zero") === "zero" && opts.coldItems;
    for (let t = 0; t < n; t++) {
      const i = uniq[t];
      if (zeroCold && opts.coldItems![i]) continue;
      q.set(w.Q.subarray(i * k, i * k + k), t * k);
    }
  }
  let x: Float32Array | null = null;
  if (w.E) {
    if (!features) throw new Error("scoreItems: the model needs features");
    x = visualLatents(w.E, features, uniq, { k });
    const off = opts.visualOffset;
    if (off) {
      const at = slotMap(nItems);
      for (let t = 0; t < n; t++) at[uniq[t]] = t;
      for (let r = 0; r < off.items.length; r++) {
        const t = at[off.items[r]];
        if (t < 0) continue;
        for (let c = 0; c < k; c++) x[t * k + c] += off.latent[r * k + c];
      }
    }
  }
  if (q && x && !w.H) {
    for (let t = 0; t < n * k; t++) q[t] += x[t];
    x = null;
  }
  const V = w.H ?? w.P;
  const out = new Float32Array(users.length);
  for (let r = 0; r < users.length; r++) {
    const pu = users[r] * k;
    const it = slot[r] * k;
    let y = 0;
    if (q) { for (let c = 0; c < k; c++) y += w.P[pu + c] * q[it + c]; }
    if (x) { for (let c = 0; c < k; c++) y += V[pu + c] * x[it + c]; }
    out[r] = y;
  }
  return out;
}
