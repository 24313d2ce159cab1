/**
 * models/matmul.ts: the WASM-heap left operand (`HeapBuffer`) gives the same products, bit for
 * bit, as the copying `matMul`, survives heap growth and leaks no tensors; `transposeInto`
 * writes column blocks of a wider matrix.
 */
import * as tf from "@tensorflow/tfjs";
import { HeapBuffer, heapScratch, matMul, transpose, transposeInto } from "../../models/matmul.ts";
import { initTf } from "../../models/tf_backend.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import assert from "node:assert/strict";

await initTf();

function random(n: number, rng: Rng): Float32Array {
  return new Float32Array(n).map(() => rng.random() - 0.5);
}

Deno.test("transpose and transposeInto: every shape, including rows not a multiple of 4", () => {
  const rng = new Rng(5);
  for (const [rows, cols] of [[0, 3], [1, 1], [3, 5], [4, 7], [9, 2], [13, 17]]) {
    const a = random(rows * cols, rng);
    const t = transpose(a, rows, cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) assert.equal(t[c * rows + r], a[r * cols + c]);
    }
    // As the middle column block of a cols x (rows + 5) matrix, neighbours untouched.
    const ld = rows + 5;
    const out = new Float32Array(cols * ld).fill(7);
    transposeInto(a, out, { rows, cols, ld, colOffset: 2 });
    for (let c = 0; c < cols; c++) {
      for (let j = 0; j < ld; j++) {
        const want = j >= 2 && j < 2 + rows ? a[(j - 2) * cols + c] : 7;
        assert.equal(out[c * ld + j], want);
      }
    }
  }
  assert.throws(() =>
    transposeInto(new Float32Array(6), new Float32Array(6), {
      rows: 2,
      cols: 3,
      ld: 2,
      colOffset: 1,
    })
  );
});

Deno.test("HeapBuffer: products match matMul bit for bit, across growth, without leaking", () => {
  const rng = new Rng(9);
  const buf = new HeapBuffer();
  const before = tf.memory().numTensors;
  for (const [m, k, n] of [[5, 7, 3], [64, 300, 16], [37, 129, 64], [3, 2, 1], [200, 513, 8]]) {
    const a = random(m * k, rng);
    const b = random(k * n, rng);
    buf.view(m * k).set(a);
    const want = matMul(a, b, { m, k, n });
    const got = buf.matMul(m, k, b, n);
    assert.deepEqual(got, want, `${m}x${k}x${n}`);
    // Reusing the buffer with fewer values: only the first m*k are read.
    const m2 = Math.max(1, m - 2);
    buf.view(m2 * k).set(a.subarray(0, m2 * k));
    assert.deepEqual(buf.matMul(m2, k, b, n), matMul(a, b, { m: m2, k, n }));
  }
  assert.ok(buf.capacity >= 200 * 513);
  assert.deepEqual(buf.matMul(0, 4, new Float32Array(8), 2), new Float32Array(0));
  assert.throws(() => buf.matMul(buf.capacity + 1, 1, new Float32Array(1), 1), RangeError);
  buf.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  assert.equal(heapScratch("test-slot"), heapScratch("test-slot"));
});
