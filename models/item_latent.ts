/**
 * Feature rows and their projection `E c_i` (the visual latent vectors of items).
 *
 * Features stay in JS memory; only the rows a product needs are copied (row by row) straight
 * into a reused WASM-heap buffer (models/matmul.ts `HeapBuffer`) that is the matMul's left
 * operand, in chunks so that the WASM heap stays small even for Amazon-sized tables.
 *
 * @module
 */
import { heapScratch, transpose } from "./matmul.ts";
import type { FeatureMatrix } from "./types.ts";

/** Rows per chunk of the item projections (about 16 MiB of features at D = 2048). */
export const ITEM_CHUNK_ROWS = 2048;

/** Copies feature rows `items[r]` into rows `rowOffset + r` of `out` (row width `features.dim`). */
export function gatherRows(
  features: FeatureMatrix,
  items: Int32Array,
  out: Float32Array,
  rowOffset = 0,
): void {
  const d = features.dim;
  const data = features.data;
  for (let r = 0; r < items.length; r++) {
    const i = items[r];
    if (!(i >= 0 && i < features.rows)) throw new RangeError(`feature row ${i} out of range`);
    out.set(data.subarray(i * d, i * d + d), (rowOffset + r) * d);
  }
}

/**
 * `E c_i` for each of `items` (items.length x K, row-major), with `E` K x D row-major.
 * `delta`, when given, holds rows added to the features first (`E (c_i + delta_r)`).
 */
export function visualLatents(
  E: Float32Array,
  features: FeatureMatrix,
  items: Int32Array,
  opts: { k: number; delta?: Float32Array },
): Float32Array {
  const { k } = opts;
  const d = features.dim;
  if (E.length !== k * d) throw new RangeError(`E has ${E.length} values, expected ${k}x${d}`);
  const et = transpose(E, k, d);
  const out = new Float32Array(items.length * k);
  const heap = heapScratch("latent-chunk");
  for (let start = 0; start < items.length; start += ITEM_CHUNK_ROWS) {
    const chunk = items.subarray(start, Math.min(items.length, start + ITEM_CHUNK_ROWS));
    const buf = heap.view(chunk.length * d); // fetched per chunk: a product may move the heap
    gatherRows(features, chunk, buf);
    if (opts.delta) {
      const off = start * d;
      for (let t = 0; t < chunk.length * d; t++) buf[t] += opts.delta[off + t];
    }
    out.set(heap.matMul(chunk.length, d, et, k), start * k);
  }
  return out;
}
