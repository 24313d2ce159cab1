/** Negative sampling, epochs and batching. */
import { adagradDense, adagradRows } from "../../models/adagrad.ts";
import {
  batchStarts,
  buildTrainIndex,
  coldItems,
  isPositive,
  sampleEpoch,
} from "../../models/sampler.ts";
import type { TrainSet } from "../../models/types.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { assert, assertSame } from "./_reference.ts";
import { assertAllClose } from "../assert_close.ts";

// 4 users, 10 items; items 7, 8, 9 have no training interaction (cold); (0, 1) is duplicated.
const DATA: TrainSet = {
  nUsers: 4,
  nItems: 10,
  users: Int32Array.from([0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 0]),
  items: Int32Array.from([1, 2, 3, 0, 4, 5, 0, 1, 2, 6, 1]),
};

Deno.test("cold items and sorted, de-duplicated positives", () => {
  assertSame(coldItems(DATA), [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
  const index = buildTrainIndex(DATA);
  assertSame(index.offsets, [0, 3, 5, 6, 10]);
  assertSame(index.positives, [1, 2, 3, 0, 4, 5, 0, 1, 2, 6]);
  assertSame([index.warmCount], [7]);
  assert(isPositive(index, 3, 6) && !isPositive(index, 3, 5));
});

Deno.test("negatives are never a positive of the user nor a cold item; every pair used once", () => {
  const index = buildTrainIndex(DATA);
  const rng = new Rng(7);
  const seen = new Set<number>();
  for (let epoch = 0; epoch < 300; epoch++) {
    const t = sampleEpoch(DATA, index, rng);
    assert(t.users.length === DATA.users.length);
    const pairs = Array.from(t.users, (u, r) => `${u}:${t.pos[r]}`).sort();
    const want = Array.from(DATA.users, (u, r) => `${u}:${DATA.items[r]}`).sort();
    assert(pairs.join() === want.join(), "epoch pairs differ from the training pairs");
    for (let r = 0; r < t.users.length; r++) {
      const j = t.neg[r];
      assert(!index.cold[j], `cold negative ${j}`);
      assert(!isPositive(index, t.users[r], j), `negative ${j} is a positive of ${t.users[r]}`);
      seen.add(j);
    }
  }
  // All allowed negatives occur (uniform over warm non-positives): user 2's are 0-4 and 6.
  assertSame([...seen].sort(), [0, 1, 2, 3, 4, 5, 6]);
});

Deno.test("a user with every warm item as positive is an error, not an endless loop", () => {
  const data: TrainSet = {
    nUsers: 1,
    nItems: 3,
    users: Int32Array.from([0, 0]),
    items: Int32Array.from([0, 1]),
  };
  let msg = "";
  try {
    sampleEpoch(data, buildTrainIndex(data), new Rng(1));
  } catch (e) {
    msg = (e as Error).message;
  }
  assert(msg.includes("no negative"), msg);
});

Deno.test("batches cover every triple; the last one is partial", () => {
  assertSame(batchStarts(10, 4), [0, 4, 8]);
  assertSame(batchStarts(8, 4), [0, 4]);
  assertSame(batchStarts(3, 512), [0]);
  assertSame(batchStarts(0, 4), []);
});

Deno.test("Adagrad follows TF1: acc starts at 0.1, acc += g^2, w -= lr g / sqrt(acc)", () => {
  const w = Float32Array.from([1, -2]);
  const acc = Float32Array.from([0.1, 0.1]);
  adagradDense(w, acc, Float32Array.from([0.5, -1]), 0.1);
  assertAllClose(acc, [0.35, 1.1], { rtol: 1e-6 });
  assertAllClose(w, [1 - 0.05 / Math.sqrt(0.35), -2 + 0.1 / Math.sqrt(1.1)], { rtol: 1e-6 });
  // Sparse: only listed rows move.
  const table = Float32Array.from([1, 1, 2, 2, 3, 3]);
  const tacc = new Float32Array(6).fill(0.1);
  adagradRows(table, tacc, Int32Array.from([2]), Float32Array.from([1, 0]), { k: 2, lr: 1 });
  assertAllClose(table, [1, 1, 2, 2, 3 - 1 / Math.sqrt(1.1), 3], { rtol: 1e-6 });
});
