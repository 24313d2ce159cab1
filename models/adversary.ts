/**
 * Feature perturbations Delta of AMR (paper eq. 5-12; the closed form is derived in
 * docs/adversary.md).
 *
 * The gradient of the (summed) clean BPR loss with respect to an item's feature row is
 * `G_i = E^T g_i`, where `g_i` is the K-vector `sum dloss/dscore * v_u` over the triples in which
 * the item appears (+ as positive, - as negative). Hence for `grad`
 *
 *   Delta_i = eps * E^T g_i / ||E^T g_i||,   E Delta_i = eps * (E E^T) g_i / sqrt(g_i^T (E E^T) g_i),
 *
 * which needs only the K x K matrix `E E^T` (closed form). The materialised form builds the
 * D-wide Delta rows; `rand` (Gaussian noise rescaled to norm eps) and `sign` (`eps * sign(G_i)`)
 * always need it. Both forms return `E Delta_i`, the perturbation of the item's latent vector.
 *
 * @module
 */
import type { Rng } from "../pipeline/stage/mod.ts";
import { matMul } from "./matmul.ts";
import type { AdversaryKind } from "./types.ts";

/** Squared-norm floor of `tf.nn.l2_normalize`, so a zero gradient gives a zero Delta. */
export const L2_NORMALIZE_FLOOR = 1e-12;

/** Perturbations of n items, row-aligned with the item list they were built for. */
export interface Perturbation {
  /** `E Delta_i` per item, n x K. */
  latent: Float32Array;
  /** Closed form only: `eps / ||E^T g_i||` per item (so `Delta_i = scale_i E^T g_i`). */
  scale: Float64Array | null;
  /** Materialised form only: Delta rows, n x D. */
  delta: Float32Array | null;
}

/**
 * Closed-form `grad` perturbation from the item gradients `g` (n x K) and `eet = E E^T` (K x K):
 * one n x K x K product, then per item `n_i = sqrt(g_i . (E E^T) g_i)`.
 */
export function closedFormPerturbation(
  g: Float32Array,
  eet: Float32Array,
  opts: { n: number; k: number; eps: number },
): Perturbation {
  const { n, k, eps } = opts;
  const latent = matMul(g, eet, { m: n, k, n: k }); // rows (E E^T) g_i (E E^T is symmetric)
  const scale = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const base = t * k;
    let sq = 0;
    for (let a = 0; a < k; a++) sq += latent[base + a] * g[base + a];
    const s = eps / Math.sqrt(Math.max(sq, L2_NORMALIZE_FLOOR));
    scale[t] = s;
    for (let a = 0; a < k; a++) latent[base + a] *= s;
  }
  return { latent, scale, delta: null };
}

/** Inputs of {@link materialisedPerturbation}. */
export interface MaterialiseOptions {
  /** Number of items. */
  n: number;
  /** Embedding size K. */
  k: number;
  /** Feature dimension D. */
  dim: number;
  /** Radius (grad, rand) or per-element size (sign). */
  eps: number;
  /** E, K x D row-major. */
  E: Float32Array;
  /** E^T, D x K row-major. */
  Et: Float32Array;
  /** Noise source; required for `rand`. */
  rng?: Rng;
  /** Where to write Delta (n x D); a new array when absent. */
  out?: Float32Array;
}

/**
 * Materialised perturbation of kind `kind`: builds the D-wide Delta rows (from `G = g E` for
 * grad/sign, from Gaussian noise for rand; `g` is unused then) and projects them, `E Delta_i`.
 */
export function materialisedPerturbation(
  kind: AdversaryKind,
  g: Float32Array | null,
  opts: MaterialiseOptions,
): Perturbation {
  const { n, k, dim, eps } = opts;
  let delta: Float32Array;
  if (kind === "rand") {
    if (!opts.rng) throw new Error("rand perturbation needs an rng");
    const rng = opts.rng;
    delta = opts.out ?? new Float32Array(n * dim);
    for (let t = 0; t < n * dim; t++) delta[t] = rng.normal();
  } else {
    if (g === null) throw new Error(`${kind} perturbation needs item gradients`);
    const grad = matMul(g, opts.E, { m: n, k, n: dim });
    delta = opts.out ?? grad;
    if (delta !== grad) delta.set(grad);
  }
  if (kind === "sign") {
    for (let t = 0; t < n * dim; t++) delta[t] = eps * Math.sign(delta[t]);
  } else {
    for (let t = 0; t < n; t++) {
      const row = delta.subarray(t * dim, (t + 1) * dim);
      let sq = 0;
      for (let c = 0; c < dim; c++) sq += row[c] * row[c];
      const s = eps / Math.sqrt(Math.max(sq, L2_NORMALIZE_FLOOR));
      for (let c = 0; c < dim; c++) row[c] *= s;
    }
  }
  const latent = matMul(delta, opts.Et, { m: n, k: dim, n: k });
  return { latent, scale: null, delta: delta.subarray(0, n * dim) };
}
