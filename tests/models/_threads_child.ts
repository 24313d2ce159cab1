/**
 * Child process of tests/models/wasm_threads_test.ts: starts tfjs with the threads `AMR_THREADS`
 * asks for, runs a matMul big enough for XNNPACK to split across threads and one AMR epoch
 * (600 users, 800 items, D = 512), and prints the backend facts and SHA-256 digests of the results as one JSON line.
 * Ends without `Deno.exit`, so a thread pool that held the process would show as a hang.
 */
import { createHash } from "node:crypto";
import { matMul } from "../../models/matmul.ts";
import { initTf } from "../../models/tf_backend.ts";
import { train } from "../../models/train.ts";
import { DEFAULT_HYPER } from "../../models/types.ts";
import { Rng } from "../../pipeline/stage/rng.ts";

function digest(a: Float32Array): string {
  return createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest("hex");
}

const facts = await initTf();
const rng = new Rng(3);
const m = 300, k = 2048, n = 64;
const a = new Float32Array(m * k).map(() => rng.random() - 0.5);
const b = new Float32Array(k * n).map(() => rng.random() - 0.5);
const product = matMul(a, b, { m, k, n });
const nUsers = 600, nItems = 800, dim = 512, pairs = 3000;
const users = new Int32Array(pairs).map((_, t) => t % nUsers);
const items = new Int32Array(pairs).map(() => rng.int(nItems - 50));
const features = {
  rows: nItems,
  dim,
  data: new Float32Array(nItems * dim).map(() => rng.random()),
};
const w = await train("amr", { nUsers, nItems, users, items }, features, DEFAULT_HYPER, {
  rng: new Rng(5),
  epochs: 1,
  adversary: { kind: "grad", eps: 0.5, lambda: 1 },
});
console.log(JSON.stringify({
  facts,
  product: digest(product),
  E: digest(w.E!),
  P: digest(w.P),
  sample: Array.from(product.subarray(0, 4)),
}));
