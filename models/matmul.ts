/**
 * Dense float32 matrix product on the tfjs WASM backend (XNNPACK).
 *
 * Operands are plain row-major typed arrays, copied into the WASM heap per call and the result
 * copied out; no transpose flags and batch 1, so XNNPACK always handles the product (GUIDE
 * sec. 6: a transposed product falls onto a naive loop 15-50x slower). Callers pre-transpose.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { backendFacts } from "./tf_backend.ts";

/**
 * Returns `A B` for row-major `A` (m x k) and `B` (k x n) as a new m x n row-major array.
 * Only the first `m*k` / `k*n` values of the operands are read (workspace buffers may be longer).
 * Requires `await initTf()` beforehand.
 */
export function matMul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
): Float32Array {
  backendFacts();
  if (a.length < m * k || b.length < k * n) {
    throw new RangeError(`matMul: operands shorter than ${m}x${k} and ${k}x${n}`);
  }
  if (m === 0 || n === 0 || k === 0) return new Float32Array(m * n);
  const ta = tf.tensor2d(a.subarray(0, m * k), [m, k]);
  const tb = tf.tensor2d(b.subarray(0, k * n), [k, n]);
  const tc = tf.matMul(ta, tb);
  const out = tc.dataSync() as Float32Array;
  ta.dispose();
  tb.dispose();
  tc.dispose();
  return out;
}

/** Writes the transpose of row-major `a` (rows x cols) into `out` (cols x rows) and returns it. */
export function transpose(
  a: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array = new Float32Array(rows * cols),
): Float32Array {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[base + c];
  }
  return out;
}
