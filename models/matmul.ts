/**
 * Dense float32 matrix product on the tfjs WASM backend (XNNPACK).
 *
 * Operands are plain row-major typed arrays, copied into the WASM heap per call and the result
 * copied out; no transpose flags and batch 1, so XNNPACK always handles the product (a transposed
 * product falls onto a naive loop 15-50x slower: docs/wasm-under-deno.md#matrix-products). Callers pre-transpose.
 *
 * A big left operand that is rebuilt every batch can instead live in a {@link HeapBuffer}: a
 * float32 buffer inside the WASM heap that the caller fills through a view and that is then
 * multiplied in place, saving the copy into the heap (and its allocation) per product. Only the
 * left operand may be reused this way: XNNPACK packs the right operand into an operator cached
 * by the right tensor's id, so the right operand is always a fresh tensor.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { backendFacts } from "./tf_backend.ts";

/** The shape of a product `A B`: `A` is m x k, `B` is k x n. */
export interface MatMulShape {
  m: number;
  k: number;
  n: number;
}

/**
 * Returns `A B` for row-major `A` (m x k) and `B` (k x n) as a new m x n row-major array.
 * Only the first `m*k` / `k*n` values of the operands are read (workspace buffers may be longer).
 * Requires `await initTf()` beforehand.
 */
export function matMul(a: Float32Array, b: Float32Array, shape: MatMulShape): Float32Array {
  const { m, k, n } = shape;
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
  transposeInto(a, out, { rows, cols, ld: rows, colOffset: 0 });
  return out;
}

/** Where {@link transposeInto} reads and writes. */
export interface TransposeLayout {
  /** Rows of the source. */
  rows: number;
  /** Columns of the source (rows of the destination). */
  cols: number;
  /** Values per destination row. */
  ld: number;
  /** First destination column written. */
  colOffset: number;
}

/**
 * Writes the transpose of row-major `a` (rows x cols) into columns `colOffset ..
 * colOffset + rows - 1` of `out`, a row-major matrix with `cols` rows of `ld` values
 * (`out[c * ld + colOffset + r] = a[r * cols + c]`). Four source rows at a time, so that each
 * output row gets four adjacent values per visit (about 1.6x faster than one at a time).
 */
export function transposeInto(a: Float32Array, out: Float32Array, layout: TransposeLayout): void {
  const { rows, cols, ld, colOffset } = layout;
  if (
    rows > 0 && cols > 0 &&
    (colOffset < 0 || colOffset + rows > ld || out.length < (cols - 1) * ld + colOffset + rows ||
      a.length < rows * cols)
  ) {
    throw new RangeError(`transposeInto: ${rows}x${cols} does not fit`);
  }
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const i0 = r * cols, i1 = i0 + cols, i2 = i1 + cols, i3 = i2 + cols;
    let o = colOffset + r;
    for (let c = 0; c < cols; c++, o += ld) {
      out[o] = a[i0 + c];
      out[o + 1] = a[i1 + c];
      out[o + 2] = a[i2 + c];
      out[o + 3] = a[i3 + c];
    }
  }
  for (; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * ld + colOffset + r] = a[base + c];
  }
}

/** What {@link HeapBuffer} uses of the WASM backend (tfjs-backend-wasm 4.22 `BackendWasm`). */
interface WasmBackendInternals {
  wasm: { HEAPU8: Uint8Array };
  getMemoryOffset(dataId: object): number;
  incRef(dataId: object): void;
}

function wasmBackend(): WasmBackendInternals {
  backendFacts();
  const be = tf.backend() as unknown as Partial<WasmBackendInternals>;
  if (!be.wasm?.HEAPU8 || typeof be.getMemoryOffset !== "function" || !be.incRef) {
    throw new Error("HeapBuffer: the active tfjs backend is not the WASM backend");
  }
  return be as WasmBackendInternals;
}

/**
 * A reusable float32 buffer inside the WASM heap, used as the left operand of a matMul without
 * copying it in. Fill it through {@link HeapBuffer.view}, then call {@link HeapBuffer.matMul}.
 * A view is only valid until the next tfjs allocation (the heap may grow and move to a new
 * buffer): fetch it again after any product.
 */
export class HeapBuffer {
  #tensor: tf.Tensor | null = null;
  #capacity = 0;

  /**
   * What the owner last wrote into the buffer, as the owner describes it (so that it can skip
   * writing the same values again); cleared whenever the contents are lost (growth, dispose).
   */
  contents: unknown = undefined;

  /** Values it holds without growing. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Makes room for `size` values; the contents are lost when it grows. */
  reserve(size: number): void {
    if (size <= this.#capacity) return;
    wasmBackend();
    const capacity = Math.max(size, Math.ceil(this.#capacity * 1.25));
    this.contents = undefined;
    this.#tensor?.dispose();
    this.#tensor = null;
    this.#capacity = 0;
    this.#tensor = tf.tidy(() => tf.zeros([capacity], "float32"));
    this.#capacity = capacity;
  }

  /** The first `size` values (reserved first), as a view into the WASM heap. */
  view(size: number): Float32Array {
    this.reserve(size);
    const be = wasmBackend();
    const offset = be.getMemoryOffset(this.#tensor!.dataId);
    return new Float32Array(be.wasm.HEAPU8.buffer, offset, size);
  }

  /**
   * `A b` for `A` the buffer's first `m*k` values (row-major m x k) and `b` row-major k x n;
   * the same product, bit for bit, as `matMul(A, b, { m, k, n })`.
   */
  matMul(m: number, k: number, b: Float32Array, n: number): Float32Array {
    const be = wasmBackend();
    if (m * k > this.#capacity || b.length < k * n) {
      throw new RangeError(`HeapBuffer.matMul: operands shorter than ${m}x${k} and ${k}x${n}`);
    }
    if (m === 0 || n === 0 || k === 0) return new Float32Array(m * n);
    const dataId = this.#tensor!.dataId;
    be.incRef(dataId); // the view shares the buffer; disposing it only drops this reference
    const ta = tf.engine().makeTensorFromDataId(dataId, [m, k], "float32");
    const tb = tf.tensor2d(b.subarray(0, k * n), [k, n]);
    const tc = tf.matMul(ta, tb);
    const out = tc.dataSync() as Float32Array;
    ta.dispose();
    tb.dispose();
    tc.dispose();
    return out;
  }

  /** Frees the buffer (it can be reserved again). */
  dispose(): void {
    this.contents = undefined;
    this.#tensor?.dispose();
    this.#tensor = null;
    this.#capacity = 0;
  }
}

const scratch = new Map<string, HeapBuffer>();

/**
 * The process-wide {@link HeapBuffer} named `slot`, grown on demand and kept (never freed), so
 * that per-batch code allocates nothing. Callers are synchronous and each slot has one owner
 * (`models/bpr_step.ts`: `step-rows`, `step-rows-t`; `models/item_latent.ts`: `latent-chunk`).
 */
export function heapScratch(slot: string): HeapBuffer {
  let b = scratch.get(slot);
  if (!b) scratch.set(slot, b = new HeapBuffer());
  return b;
}
