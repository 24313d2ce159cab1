/**
 * Weight initialisation: truncated normal (|z| <= 2 std, as TF's `truncated_normal`, std 0.01 in
 * the authors' code), or copied from a pre-trained model (Algorithm 1: MF -> VBPR -> AMR).
 *
 * Each table draws from its own fork of the Rng ("P", "Q", "E", "H"), so a table's random init
 * does not depend on which other tables were copied.
 *
 * @module
 */
import type { Rng } from "../pipeline/stage/mod.ts";
import { type ModelKind, modelSpec, type Weights } from "./types.ts";

/** Table sizes of a model. */
export interface WeightShape {
  /** Number of users. */
  nUsers: number;
  /** Number of items. */
  nItems: number;
  /** Feature dimension D (ignored for MF-BPR). */
  dim: number;
}

/** `n` draws of a normal truncated at two standard deviations. */
export function truncatedNormal(n: number, std: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    let z = rng.normal();
    while (Math.abs(z) > 2) z = rng.normal();
    out[t] = z * std;
  }
  return out;
}

function copyOrDraw(
  from: Float32Array | null | undefined,
  size: number,
  name: string,
  draw: () => Float32Array,
): Float32Array {
  if (!from) return draw();
  if (from.length !== size) {
    throw new RangeError(`init ${name}: ${from.length} values, expected ${size}`);
  }
  return from.slice();
}

/**
 * Weights of `model`: tables present in `opts.from` (with matching sizes) are copied, the others
 * drawn. The caller's arrays are never shared with the result.
 */
export function initWeights(
  model: ModelKind,
  shape: WeightShape,
  opts: { k: number; std: number; rng: Rng; from?: Weights },
): Weights {
  const { k, std, rng, from } = opts;
  if (from && from.k !== k) throw new RangeError(`init: K ${from.k} != ${k}`);
  const spec = modelSpec(model);
  const dim = spec.hasE ? shape.dim : 0;
  if (spec.hasE && from?.E && from.dim !== dim) {
    throw new RangeError(`init: D ${from.dim} != ${dim}`);
  }
  const draw = (label: string, n: number) => () => truncatedNormal(n, std, rng.fork(label));
  const w: Weights = {
    P: copyOrDraw(from?.P, shape.nUsers * k, "P", draw("P", shape.nUsers * k)),
    Q: spec.hasQ ? copyOrDraw(from?.Q, shape.nItems * k, "Q", draw("Q", shape.nItems * k)) : null,
    E: spec.hasE ? copyOrDraw(from?.E, k * dim, "E", draw("E", k * dim)) : null,
    k,
    dim,
  };
  if (spec.hasH) w.H = copyOrDraw(from?.H, shape.nUsers * k, "H", draw("H", shape.nUsers * k));
  return w;
}

/** A deep copy of a weight set. */
export function cloneWeights(w: Weights): Weights {
  const out: Weights = {
    P: w.P.slice(),
    Q: w.Q ? w.Q.slice() : null,
    E: w.E ? w.E.slice() : null,
    k: w.k,
    dim: w.dim,
  };
  if (w.H) out.H = w.H.slice();
  return out;
}
