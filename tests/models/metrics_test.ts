import assert from "node:assert/strict";
import { assertClose } from "../assert_close.ts";
import {
  invertMask,
  metricColumns,
  metricNames,
  metricsFromRanks,
  rankAgainstNegatives,
  summarise,
  summaryValues,
} from "../../models/metrics.ts";

Deno.test("rankAgainstNegatives: counts negatives scoring >= the positive (ties count)", () => {
  // 4 users x 3 negatives.
  const pos = new Float32Array([0.5, 1.0, 2.0, -1.0]);
  const neg = new Float32Array([
    0.1,
    0.2,
    0.3, // all below: rank 0
    1.0,
    0.5,
    1.5, // one tie (1.0) and one above (1.5): rank 2
    2.0,
    2.0,
    2.0, // all ties: rank 3 (worst)
    -2.0,
    -1.0,
    0.0, // tie + above: rank 2
  ]);
  assert.deepEqual(Array.from(rankAgainstNegatives(pos, neg, 3)), [0, 2, 3, 2]);
});

Deno.test("rankAgainstNegatives: all-equal scores rank last (a constant model gets no credit)", () => {
  const pos = new Float32Array([0, 0]);
  const neg = new Float32Array(2 * 999);
  assert.deepEqual(Array.from(rankAgainstNegatives(pos, neg, 999)), [999, 999]);
});

Deno.test("rankAgainstNegatives: NaN scores and shape mismatches are errors", () => {
  assert.throws(
    () => rankAgainstNegatives(new Float32Array([NaN]), new Float32Array([0]), 1),
    /NaN positive score for user 0/,
  );
  assert.throws(
    () => rankAgainstNegatives(new Float32Array([0, 1]), new Float32Array([0, 2, 0, NaN]), 2),
    /NaN score for user 1, negative 1/,
  );
  assert.throws(
    () => rankAgainstNegatives(new Float32Array([0, 1]), new Float32Array(3), 2),
    /expected 2 x 2 = 4/,
  );
  // Infinity is a legal (if odd) score: it wins ties like any other value.
  assert.deepEqual(
    Array.from(rankAgainstNegatives(new Float32Array([Infinity]), new Float32Array([Infinity]), 1)),
    [1],
  );
});

Deno.test("metricsFromRanks: hand-worked HR and NDCG at 5, 10, 20", () => {
  // rank 0 -> ndcg 1; rank 4 -> ln2/ln6; rank 9 -> ln2/ln11; rank 19 -> ln2/ln21; rank 20 and
  // 999 -> outside every cutoff.
  const ranks = new Int32Array([0, 4, 5, 9, 10, 19, 20, 999]);
  const m = metricsFromRanks(ranks);
  assert.deepEqual(m.cutoffs, [5, 10, 20]);
  assert.deepEqual(Array.from(m.hr[0]), [1, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(m.hr[1]), [1, 1, 1, 1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(m.hr[2]), [1, 1, 1, 1, 1, 1, 0, 0]);
  const g = (r: number) => Math.LN2 / Math.log(r + 2);
  const expected5 = [1, g(4), 0, 0, 0, 0, 0, 0];
  const expected10 = [1, g(4), g(5), g(9), 0, 0, 0, 0];
  const expected20 = [1, g(4), g(5), g(9), g(10), g(19), 0, 0];
  for (let u = 0; u < ranks.length; u++) {
    assertClose(m.ndcg[0][u], expected5[u], 1e-15, `ndcg@5 user ${u}`);
    assertClose(m.ndcg[1][u], expected10[u], 1e-15, `ndcg@10 user ${u}`);
    assertClose(m.ndcg[2][u], expected20[u], 1e-15, `ndcg@20 user ${u}`);
  }
  // Worked numbers: rank 1 -> 1/log2(3) = 0.6309297535714575.
  assertClose(metricsFromRanks(new Int32Array([1]), [10]).ndcg[0][0], 0.6309297535714575, 1e-15);
  assertClose(g(4), 0.38685280723454163, 1e-15);
});

Deno.test("summarise: overall means and cold/warm masks", () => {
  const ranks = new Int32Array([0, 1, 30, 7]);
  const m = metricsFromRanks(ranks, [5, 10]);
  const all = summarise(m);
  assert.equal(all.users, 4);
  assert.deepEqual(all.hr, [0.5, 0.75]);
  const n1 = 1 / Math.log2(3);
  const n7 = 1 / Math.log2(9);
  assertClose(all.ndcg[0], (1 + n1) / 4);
  assertClose(all.ndcg[1], (1 + n1 + n7) / 4);

  const cold = new Uint8Array([0, 1, 1, 0]);
  const c = summarise(m, cold);
  assert.equal(c.users, 2);
  assert.deepEqual(c.hr, [0.5, 0.5]);
  assertClose(c.ndcg[0], n1 / 2);
  const warm = summarise(m, invertMask(cold));
  assert.equal(warm.users, 2);
  assert.deepEqual(warm.hr, [0.5, 1]);
  assertClose(warm.ndcg[1], (1 + n7) / 2);
  // Boolean masks work too; an empty subset gives NaN means over 0 users.
  assert.deepEqual(summarise(m, [true, false, false, false]).hr, [1, 1]);
  const none = summarise(m, [false, false, false, false]);
  assert.equal(none.users, 0);
  assert.ok(Number.isNaN(none.hr[0]));
  assert.throws(() => summarise(m, [true]), /mask has length 1, expected 4/);
});

Deno.test("metricNames / metricColumns / summaryValues follow Table 2 order", () => {
  assert.deepEqual(metricNames(), ["hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20"]);
  const m = metricsFromRanks(new Int32Array([3, 12]));
  const cols = metricColumns(m);
  assert.deepEqual(cols.map((c) => c.name), metricNames());
  assert.deepEqual(Array.from(cols[1].values), [1, 0]); // hr@10
  assert.deepEqual(Array.from(cols[2].values), [1, 1]); // hr@20
  const s = summarise(m);
  assert.deepEqual(summaryValues(s).slice(0, 3), [0.5, 0.5, 1]);
});

Deno.test("metrics: end to end from scores", () => {
  // user 0: positive beats all; user 1: 12 negatives above -> only HR@20.
  const n = 999;
  const pos = new Float32Array([1, 0]);
  const neg = new Float32Array(2 * n).fill(-1);
  for (let j = 0; j < 12; j++) neg[n + j] = 0.5;
  const m = metricsFromRanks(rankAgainstNegatives(pos, neg, n));
  assert.deepEqual(Array.from(m.ranks), [0, 12]);
  const s = summarise(m);
  assert.deepEqual(s.hr, [0.5, 0.5, 1]);
  assertClose(s.ndcg[2], (1 + 1 / Math.log2(14)) / 2);
});
