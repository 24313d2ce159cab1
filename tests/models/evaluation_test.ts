/**
 * Tests of models/evaluation.ts: the ranking rule (ties against the model, NaN handling), HR@N
 * and NDCG@N by hand, means over masks, the scoring-factor fast path against `scoreItems` on the
 * model itself (every model form, both cold modes), and the evaluate stage's evaluation.
 */
import assert from "node:assert/strict";
import { assertClose } from "../assert_close.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { scoreItems } from "../../models/score.ts";
import { initTf } from "../../models/tf_backend.ts";
import type { FeatureMatrix, Weights } from "../../models/types.ts";
import {
  type EvalTarget,
  evaluateScores,
  factorScorer,
  invertMask,
  metricColumns,
  metricNames,
  metricsFromRanks,
  ndcgGain,
  rankMetrics,
  rankOfGain,
  rankTargets,
  scoreMetrics,
  scoringFactors,
  summarise,
  summaryValues,
  targetScores,
} from "../../models/evaluation.ts";
import { SCORES, TARGET, TRAIN_ITEMS } from "./_eval_case.ts";

/** Score rows `[target, negatives...]` from a target score per user and `n` negatives each. */
function rows(pos: number[], neg: number[], n: number): Float32Array {
  return Float32Array.from(pos.flatMap((p, u) => [p, ...neg.slice(u * n, (u + 1) * n)]));
}

Deno.test("rankTargets: counts negatives scoring >= the target (ties count)", () => {
  // 4 users x 3 negatives.
  const pos = [0.5, 1.0, 2.0, -1.0];
  const neg = [
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
  ];
  assert.deepEqual(Array.from(rankTargets(rows(pos, neg, 3), 3)), [0, 2, 3, 2]);
  assert.deepEqual(Array.from(rankTargets(rows(pos, neg, 3), 3, { nan: "error" })), [0, 2, 3, 2]);
});

Deno.test("rankTargets: all-equal scores rank last (a constant model gets no credit)", () => {
  const scores = new Float32Array(2 * 1000);
  assert.deepEqual(Array.from(rankTargets(scores, 999)), [999, 999]);
});

Deno.test("rankTargets: NaN scores and shape mismatches", () => {
  // nan: "error" (the evaluate stage): any NaN in a ranked row is a broken model, not a tie.
  assert.throws(
    () => rankTargets(new Float32Array([NaN, 0]), 1, { nan: "error" }),
    /NaN target score for user 0/,
  );
  assert.throws(
    () => rankTargets(rows([0, 1], [0, 2, 0, NaN], 2), 2, { nan: "error" }),
    /NaN score for user 1, negative 1/,
  );
  assert.throws(() => rankTargets(new Float32Array(5), 2), /5 scores do not fit rows of 1 \+ 2/);
  assert.throws(
    () => rankTargets(new Float32Array(6), 2, { targets: Int32Array.from([0, 0, 0]) }),
    /6 scores do not fit rows of 1 \+ 2/,
  );
  // Default ("unranked", training curves and robustness): a NaN target leaves the user
  // unranked; a NaN negative counts against the target.
  assert.deepEqual(Array.from(rankTargets(rows([NaN, 1], [0, 0, 0, NaN], 2), 2)), [-1, 1]);
  // A user without a target is unranked whatever its row holds, and its NaNs are no error.
  const targets = Int32Array.from([-1, 4]);
  assert.deepEqual(
    Array.from(rankTargets(rows([NaN, 1], [NaN, 5, 0, 2], 2), 2, { targets, nan: "error" })),
    [-1, 1],
  );
  // Infinity is a legal (if odd) score: it wins ties like any other value.
  assert.deepEqual(Array.from(rankTargets(new Float32Array([Infinity, Infinity]), 1)), [1]);
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
  const neg = Array(2 * n).fill(-1);
  for (let j = 0; j < 12; j++) neg[n + j] = 0.5;
  const m = metricsFromRanks(rankTargets(rows([1, 0], neg, n), n));
  assert.deepEqual(Array.from(m.ranks), [0, 12]);
  const s = summarise(m);
  assert.deepEqual(s.hr, [0.5, 0.5, 1]);
  assertClose(s.ndcg[2], (1 + 1 / Math.log2(14)) / 2);
});

Deno.test("metricsFromRanks / summarise: rank -1 is unranked (NaN metrics, in no mean)", () => {
  const m = metricsFromRanks(Int32Array.from([0, -1, 3]), [2, 5]);
  assert.deepEqual(Array.from(m.hr[0]), [1, NaN, 0]);
  assert.deepEqual(Array.from(m.ndcg[1]), [1, NaN, ndcgGain(3)]);
  const s = summarise(m);
  assert.equal(s.users, 2);
  assert.deepEqual(s.hr, [0.5, 1]);
  assertClose(s.ndcg[1], (1 + 1 / Math.log2(5)) / 2);
  // A mask cannot bring an unranked user back.
  assert.equal(summarise(m, [1, 1, 0]).users, 1);
  assert.throws(() => metricsFromRanks(Int32Array.from([-2])), /rank -2 for user 0/);
});

Deno.test("ndcgGain / rankOfGain: the gain of rank r is ln 2 / ln(r + 2), and back", () => {
  assert.equal(ndcgGain(0), 1);
  assertClose(ndcgGain(1), 0.6309297535714575, 1e-15);
  for (const r of [0, 1, 2, 7, 19]) {
    assert.equal(rankOfGain(ndcgGain(r), 20), r);
    assert.equal(rankOfGain(Math.fround(ndcgGain(r)), 20), r); // as stored in metrics.npy
  }
  assert.equal(rankOfGain(0, 20), 20);
});

Deno.test("rankMetrics: HR@N and NDCG@N at the cutoff it is given, over ranked users", () => {
  // user 0: two negatives >= 0.5 (one tie); user 1: none; user 2: no target.
  const scores = Float32Array.from([0.5, 0.5, 0.9, 0.1, 2, 1, 0, -1, NaN, NaN, NaN, NaN]);
  const ranks = rankTargets(scores, 3);
  assert.deepEqual([...ranks], [2, 0, -1]);
  const m = rankMetrics(ranks, 2);
  assert.deepEqual(m, { cutoff: 2, users: 2, hr: 0.5, ndcg: 0.5 });
  assert.equal(rankMetrics(ranks, 10).ndcg, (Math.LN2 / Math.log(4) + 1) / 2);
  const none = rankMetrics(Int32Array.from([-1]), 10);
  assert.equal(none.users, 0);
  assert.ok(Number.isNaN(none.hr) && Number.isNaN(none.ndcg));
});

Deno.test("scoreMetrics: HR@10 and NDCG@10 with ties against the model, NaN rows skipped", () => {
  const n = 12;
  const rows = [
    [5, ...Array(n).fill(1)], // rank 0
    [1, 1, 2, ...Array(n - 2).fill(0)], // rank 2 (a tie and a higher one)
    [NaN, ...Array(n).fill(NaN)], // skipped
    [0, ...Array(n).fill(1)], // rank 12 -> 0
  ];
  const m = scoreMetrics(Float32Array.from(rows.flat()), n, 10);
  assert.equal(m.users, 3);
  assert.equal(m.hr, 2 / 3);
  assert.ok(Math.abs(m.ndcg - (1 + Math.LN2 / Math.log(4)) / 3) < 1e-12);
});

// Scoring factors against scoreItems on the model itself.
const U = 7;
const I = 12;
const K = 4;
const D = 6;

function randArray(n: number, rng: Rng): Float32Array {
  return new Float32Array(n).map(() => rng.normal());
}

function model(kind: "mf" | "duif" | "eq4" | "eq2", rng: Rng): Weights {
  const w: Weights = {
    P: randArray(U * K, rng),
    Q: kind === "duif" ? null : randArray(I * K, rng),
    E: kind === "mf" ? null : randArray(K * D, rng),
    k: K,
    dim: kind === "mf" ? 0 : D,
  };
  if (kind === "eq2") w.H = randArray(U * K, rng);
  return w;
}

function target(rng: Rng): EvalTarget {
  const n = 5;
  const items = new Int32Array(U).map(() => rng.int(I));
  items[3] = -1;
  return {
    users: U,
    items,
    n,
    negatives: new Int32Array(U * n).map(() => rng.int(I)),
    evaluated: U - 1,
  };
}

Deno.test("scoring factors give scoreItems' scores for MF, DUIF, VBPR eq. 4 and eq. 2", async () => {
  await initTf();
  const rng = new Rng(3);
  const features: FeatureMatrix = { rows: I, dim: D, data: randArray(I * D, rng) };
  const cold = new Uint8Array(I);
  cold[2] = cold[7] = 1;
  const t = target(rng);
  t.items[0] = 2; // a cold target
  for (const kind of ["mf", "duif", "eq4", "eq2"] as const) {
    const w = model(kind, rng);
    for (const coldMode of ["zero", "official"] as const) {
      const fast = targetScores(
        factorScorer(
          scoringFactors(w, kind === "mf" ? null : features, { coldItems: cold, coldMode }),
        ),
        t,
        { chunkUsers: 3 },
      );
      const ref = targetScores(
        (users, items) =>
          scoreItems(w, kind === "mf" ? null : features, users, items, {
            coldItems: cold,
            coldMode,
          }),
        t,
      );
      for (let x = 0; x < ref.length; x++) {
        if (Number.isNaN(ref[x])) {
          assert.ok(Number.isNaN(fast[x]), `${kind} ${coldMode} ${x}`);
          continue;
        }
        assert.ok(
          Math.abs(fast[x] - ref[x]) <= 1e-5 * (1 + Math.abs(ref[x])),
          `${kind} ${coldMode} ${x}`,
        );
      }
      // Row layout: the NaN row of the user without a target.
      assert.ok(fast.subarray(3 * 6, 4 * 6).every(Number.isNaN));
    }
  }
});

Deno.test("evaluateScores: ranks with ties against the model, NaN rows skipped", () => {
  const ev = evaluateScores(SCORES, TARGET, TRAIN_ITEMS);
  assert.deepEqual([...ev.ranks], [0, 2, -1, 3]);
  assert.deepEqual([...ev.cold], [0, 1, 0, 0]);
  const row = (u: number) => [...ev.metrics.subarray(u * 6, u * 6 + 6)];
  const g = (r: number) => Math.fround(Math.LN2 / Math.log(r + 2));
  // hr@5, hr@10, hr@20, ndcg@5, ndcg@10, ndcg@20
  assert.deepEqual(row(0), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(row(1), [1, 1, 1, g(2), g(2), g(2)]);
  assert.ok(row(2).every(Number.isNaN));
  assert.deepEqual(row(3), [1, 1, 1, g(3), g(3), g(3)]);
});

Deno.test("evaluateScores: overall, cold and warm means with user counts", () => {
  const ev = evaluateScores(SCORES, TARGET, TRAIN_ITEMS);
  assert.equal(ev.summary.overall.users, 3);
  assert.equal(ev.summary.cold.users, 1);
  assert.equal(ev.summary.warm.users, 2);
  const ln2 = Math.LN2;
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(ev.summary.overall.values["ndcg@10"], (1 + ln2 / Math.log(4) + ln2 / Math.log(5)) / 3);
  close(ev.summary.cold.values["ndcg@10"], ln2 / Math.log(4));
  close(ev.summary.warm.values["ndcg@10"], (1 + ln2 / Math.log(5)) / 2);
  close(ev.summary.warm.values["hr@5"], 1);
});

Deno.test("evaluateScores: a rank past 20 gives zero at every cutoff", () => {
  const n = 25;
  const scores = new Float32Array(1 + n).fill(1);
  scores[0] = 0.5; // all 25 negatives higher
  const ev = evaluateScores(scores, new Int32Array([0]), new Int32Array([0]));
  assert.equal(ev.ranks[0], 25);
  assert.deepEqual([...ev.metrics], [0, 0, 0, 0, 0, 0]);
});

Deno.test("evaluateScores: a NaN score of a user with a target is an error", () => {
  const scores = SCORES.slice();
  scores[5] = NaN; // user 1, negative 0
  assert.throws(() => evaluateScores(scores, TARGET, TRAIN_ITEMS), /user 1, negative 0/);
});
