/**
 * Adagrad with TensorFlow 1 semantics (`tf.train.AdagradOptimizer`, as the authors' code):
 * accumulators start at 0.1, `acc += g^2`, then `w -= lr * g / sqrt(acc)`.
 *
 * Embedding tables (P, Q, H) are updated sparsely: only the rows in the batch, each once with
 * its gradient summed over duplicates (the caller passes unique rows). E is updated densely.
 * The optimiser state of a weight set ({@link OptimizerState}) and the step that applies one
 * batch's gradients ({@link applyGradients}) live here too; `bpr_step.ts` computes the gradients.
 *
 * @module
 */
import type { BatchGradients } from "./bpr_step.ts";
import type { Weights } from "./types.ts";

/** TF1's default initial accumulator value. */
export const ADAGRAD_INITIAL_ACCUMULATOR = 0.1;

/** A fresh accumulator for a parameter of `size` values. */
export function adagradAccumulator(size: number): Float32Array {
  return new Float32Array(size).fill(ADAGRAD_INITIAL_ACCUMULATOR);
}

/** Dense step: updates every value of `w` in place from gradient `g`. */
export function adagradDense(
  w: Float32Array,
  acc: Float32Array,
  g: Float32Array,
  lr: number,
): void {
  for (let t = 0; t < g.length; t++) {
    const gt = g[t];
    const a = acc[t] + gt * gt;
    acc[t] = a;
    w[t] -= (lr * gt) / Math.sqrt(a);
  }
}

/**
 * Sparse step on a row table of width `k`: row `rows[r]` of `w` gets gradient row r of `g`
 * (`rows.length x k`). `rows` must be unique (duplicates summed by the caller, as TF does).
 */
export function adagradRows(
  w: Float32Array,
  acc: Float32Array,
  rows: Int32Array,
  g: Float32Array,
  opts: { k: number; lr: number },
): void {
  const { k, lr } = opts;
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r] * k;
    const gb = r * k;
    for (let c = 0; c < k; c++) {
      const gt = g[gb + c];
      const a = acc[base + c] + gt * gt;
      acc[base + c] = a;
      w[base + c] -= (lr * gt) / Math.sqrt(a);
    }
  }
}

/** Adagrad accumulators for every parameter of a weight set. */
export interface OptimizerState {
  /** Accumulator of P. */
  P: Float32Array;
  /** Accumulator of Q (null when absent). */
  Q: Float32Array | null;
  /** Accumulator of E (null when absent). */
  E: Float32Array | null;
  /** Accumulator of H (null when absent). */
  H: Float32Array | null;
}

/** Fresh accumulators (TF1 initial value 0.1) for the parameters of `w`. */
export function createOptimizerState(w: Weights): OptimizerState {
  return {
    P: adagradAccumulator(w.P.length),
    Q: w.Q ? adagradAccumulator(w.Q.length) : null,
    E: w.E ? adagradAccumulator(w.E.length) : null,
    H: w.H ? adagradAccumulator(w.H.length) : null,
  };
}

/**
 * Applies one batch's gradients in place with separate Adagrad optimisers: P and H with
 * `lr[0]`, Q with `lr[1]` (sparse rows), E with `lr[2]` (dense).
 */
export function applyGradients(
  w: Weights,
  grads: BatchGradients,
  opts: { state: OptimizerState; lr: readonly [number, number, number] },
): void {
  const { state, lr } = opts;
  const k = w.k;
  adagradRows(w.P, state.P, grads.users, grads.gP, { k, lr: lr[0] });
  if (grads.gH && w.H && state.H) {
    adagradRows(w.H, state.H, grads.users, grads.gH, { k, lr: lr[0] });
  }
  if (grads.gQ && w.Q && state.Q) {
    adagradRows(w.Q, state.Q, grads.items, grads.gQ, { k, lr: lr[1] });
  }
  if (grads.gE && w.E && state.E) adagradDense(w.E, state.E, grads.gE, lr[2]);
}
