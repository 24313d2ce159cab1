/**
 * Test-time adversarial perturbations of a trained model (paper sec. 4.3.2, Table 3, Fig. 4-5).
 *
 * The adversary's gradient is that of the clean BPR loss summed over the given triples (the
 * paper's eq. 6 sums over the training triples D): `dL/dc_i = E^T g_i`, with `g_i` a K-vector.
 * Items in no triple (e.g. cold-start items) have `g_i = 0` and so get no `grad`/`sign`
 * perturbation. Scoring under attack only needs `E Delta_i` (K-wide, {@link perturbationLatents},
 * closed form for `grad`); {@link perturbationRows} returns the D-wide Delta rows themselves.
 *
 * @module
 */
import type { Rng } from "../pipeline/stage/mod.ts";
import { closedFormPerturbation, materialisedPerturbation } from "./adversary.ts";
import { ITEM_CHUNK_ROWS, visualLatents } from "./item_latent.ts";
import { matMul, transpose } from "./matmul.ts";
import { slotMap, uniqueSlots } from "./slots.ts";
import type { AdversaryKind, FeatureMatrix, Triples, Weights } from "./types.ts";

/** Options of the perturbation builders. */
export interface PerturbOptions {
  /** Perturbation kind. */
  kind: AdversaryKind;
  /** L2 radius per item (per-element size for `sign`). */
  eps: number;
  /** Noise source; required for `rand`. */
  rng?: Rng;
}

function requireE(w: Weights): Float32Array {
  if (!w.E) throw new Error("perturbation needs a model with feature projection E");
  return w.E;
}

/**
 * The K-vectors `g_i` (nItems x K, row-major) with `E^T g_i` the gradient of the clean BPR loss
 * summed over `triples` with respect to feature row i (scores as in training: eq. 4 or eq. 2).
 * `latents`, when given, are every item's `E c_i` computed elsewhere (on the WebGPU device).
 */
export function itemLossGradients(
  w: Weights,
  features: FeatureMatrix,
  triples: Triples,
  latents?: Float32Array,
): Float64Array {
  const E = requireE(w);
  const k = w.k;
  const { uniq, slots } = uniqueSlots([triples.pos, triples.neg], slotMap(features.rows));
  const [iSlot, jSlot] = slots;
  const x = latents ? gatherLatents(latents, uniq, k) : visualLatents(E, features, uniq, { k });
  const V = w.H ?? w.P;
  const Q = w.Q;
  const g = new Float64Array(features.rows * k);
  for (let r = 0; r < triples.users.length; r++) {
    const pu = triples.users[r] * k;
    const i = triples.pos[r];
    const j = triples.neg[r];
    const xi = iSlot[r] * k;
    const xj = jSlot[r] * k;
    let y = 0;
    if (Q) { for (let c = 0; c < k; c++) y += w.P[pu + c] * (Q[i * k + c] - Q[j * k + c]); }
    for (let c = 0; c < k; c++) y += V[pu + c] * (x[xi + c] - x[xj + c]);
    const s = -1 / (1 + Math.exp(y));
    for (let c = 0; c < k; c++) {
      const v = s * V[pu + c];
      g[i * k + c] += v;
      g[j * k + c] -= v;
    }
  }
  return g;
}

/** Rows `items[r]` of an all-items latent table (width k). */
function gatherLatents(latents: Float32Array, items: Int32Array, k: number): Float32Array {
  const out = new Float32Array(items.length * k);
  for (let r = 0; r < items.length; r++) {
    out.set(latents.subarray(items[r] * k, items[r] * k + k), r * k);
  }
  return out;
}

function gatherG(g: Float64Array, items: Int32Array, k: number): Float32Array {
  const out = new Float32Array(items.length * k);
  for (let r = 0; r < items.length; r++) out.set(g.subarray(items[r] * k, items[r] * k + k), r * k);
  return out;
}

/**
 * `E Delta_i` for each of `items` (items.length x K) from the item gradients `g` of
 * {@link itemLossGradients}; add it to the item's latent vector to score under attack.
 */
export function perturbationLatents(
  w: Weights,
  g: Float64Array,
  items: Int32Array,
  opts: PerturbOptions,
): Float32Array {
  const E = requireE(w);
  const k = w.k;
  const d = w.dim;
  const Et = transpose(E, k, d);
  if (opts.kind === "grad") {
    const eet = matMul(E, Et, { m: k, k: d, n: k });
    return closedFormPerturbation(gatherG(g, items, k), eet, { n: items.length, k, eps: opts.eps })
      .latent;
  }
  const out = new Float32Array(items.length * k);
  forEachChunk(w, g, items, { opts, after: (start, p) => out.set(p.latent, start * k) });
  return out;
}

/** The D-wide perturbation rows Delta_i for each of `items` (items.length x D). */
export function perturbationRows(
  w: Weights,
  g: Float64Array,
  items: Int32Array,
  opts: PerturbOptions,
): FeatureMatrix {
  const d = w.dim;
  const data = new Float32Array(items.length * d);
  forEachChunk(w, g, items, { opts, outFor: (start, end) => data.subarray(start * d, end * d) });
  return { rows: items.length, dim: d, data };
}

/**
 * Materialises the perturbation of `items` in chunks of `ITEM_CHUNK_ROWS`: `outFor(start, end)`
 * may supply the chunk's D-wide output rows, `after` receives each chunk's result.
 */
function forEachChunk(
  w: Weights,
  g: Float64Array,
  items: Int32Array,
  each: {
    opts: PerturbOptions;
    after?: (start: number, p: ReturnType<typeof materialisedPerturbation>) => void;
    outFor?: (start: number, end: number) => Float32Array;
  },
): void {
  const { opts, after, outFor } = each;
  const E = requireE(w);
  const k = w.k;
  const d = w.dim;
  const Et = transpose(E, k, d);
  for (let start = 0; start < items.length; start += ITEM_CHUNK_ROWS) {
    const end = Math.min(items.length, start + ITEM_CHUNK_ROWS);
    const chunk = items.subarray(start, end);
    const p = materialisedPerturbation(opts.kind, gatherG(g, chunk, k), {
      n: chunk.length,
      k,
      dim: d,
      eps: opts.eps,
      E,
      Et,
      rng: opts.rng,
      out: outFor?.(start, end),
    });
    after?.(start, p);
  }
}
