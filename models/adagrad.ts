/**
 * Adagrad with TensorFlow 1 semantics (`tf.train.AdagradOptimizer`, as the authors' code):
 * accumulators start at 0.1, `acc += g^2`, then `w -= lr * g / sqrt(acc)`.
 *
 * Embedding tables (P, Q, H) are updated sparsely: only the rows in the batch, each once with
 * its gradient summed over duplicates (the caller passes unique rows). E is updated densely.
 *
 * @module
 */

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
