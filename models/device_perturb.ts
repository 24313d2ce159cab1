/**
 * Test-time perturbations (models/perturb.ts) on the WebGPU device: `E Delta_i` for every item,
 * from the adversary's item gradients `g`, read back once per attack. The same formulas as the
 * WASM path (closed form for `grad`, D-wide rows for `rand` and `sign`), in chunks of
 * `ITEM_CHUNK_ROWS` items, with `rand`'s noise drawn on the host in the same order.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { L2_NORMALIZE_FLOOR } from "./adversary.ts";
import { ITEM_CHUNK_ROWS } from "./item_latent.ts";
import type { PerturbOptions } from "./perturb.ts";
import type { Weights } from "./types.ts";

/** `eps`-radius rows (L2 normalised with tf.nn.l2_normalize's floor). */
function unitRows(rows: tf.Tensor, eps: number): tf.Tensor {
  const sq = tf.sum(tf.square(rows), 1, true);
  return tf.mul(rows, tf.div(eps, tf.sqrt(tf.maximum(sq, L2_NORMALIZE_FLOOR))));
}

/**
 * `E Delta_i` for items `0 .. nItems - 1` (nItems x K), as models/perturb.ts
 * `perturbationLatents` over every item.
 *
 * @param w weights (with E)
 * @param g item gradients, nItems x K (models/perturb.ts `itemLossGradients`)
 * @param opts kind, radius and noise source
 */
export async function devicePerturbationLatents(
  w: Weights,
  g: Float64Array,
  opts: PerturbOptions,
): Promise<Float32Array> {
  if (!w.E) throw new Error("perturbation needs a model with feature projection E");
  const { k, dim: d } = w;
  const n = g.length / k;
  const E = tf.tensor2d(w.E, [k, d]);
  const out = new Float32Array(n * k);
  try {
    for (let start = 0; start < n; start += ITEM_CHUNK_ROWS) {
      const end = Math.min(n, start + ITEM_CHUNK_ROWS);
      const rows = end - start;
      let noise: Float32Array | null = null;
      if (opts.kind === "rand") {
        if (!opts.rng) throw new Error("rand perturbation needs an rng");
        noise = new Float32Array(rows * d);
        for (let t = 0; t < noise.length; t++) noise[t] = opts.rng.normal();
      }
      const latent = tf.tidy(() => {
        const gc = tf.tensor2d(Float32Array.from(g.subarray(start * k, end * k)), [rows, k]);
        if (opts.kind === "grad") {
          // Closed form: (E E^T) g_i scaled to radius eps (models/adversary.ts).
          const eet = tf.matMul(E, E, false, true);
          const lat = tf.matMul(gc, eet);
          const sq = tf.sum(tf.mul(lat, gc), 1, true);
          return tf.mul(lat, tf.div(opts.eps, tf.sqrt(tf.maximum(sq, L2_NORMALIZE_FLOOR))));
        }
        const delta = opts.kind === "rand"
          ? unitRows(tf.tensor2d(noise!, [rows, d]), opts.eps)
          : tf.mul(opts.eps, tf.sign(tf.matMul(gc, E)));
        return tf.matMul(delta, E, false, true);
      });
      out.set(await latent.data() as Float32Array, start * k);
      latent.dispose();
    }
    return out;
  } finally {
    E.dispose();
  }
}
