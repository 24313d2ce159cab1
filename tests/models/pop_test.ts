import assert from "node:assert/strict";
import { popScoresFor, popularityScores } from "../../models/pop.ts";
import { metricsFromRanks, rankTargets } from "../../models/evaluation.ts";

Deno.test("popularityScores: counts every training interaction, duplicates included", () => {
  // item 0: 3 interactions (one duplicate pair), item 1: 1, item 2: none (cold), item 3: 2
  const items = new Int32Array([0, 1, 0, 3, 0, 3]);
  assert.deepEqual(Array.from(popularityScores(items, 4)), [3, 1, 0, 2]);
  assert.deepEqual(Array.from(popularityScores(new Int32Array(0), 2)), [0, 0]);
  assert.throws(() => popularityScores(new Int32Array([4]), 4), /item 4 at 0 is outside \[0, 4\)/);
  assert.throws(() => popularityScores(new Int32Array([-1]), 4), /outside/);
});

Deno.test("popScoresFor: gathers scores, and POP ranks cold positives last", () => {
  const pop = popularityScores(new Int32Array([0, 1, 0, 3, 0, 3]), 4);
  assert.deepEqual(Array.from(popScoresFor(pop, new Int32Array([3, 2, 0]))), [2, 0, 3]);
  assert.throws(() => popScoresFor(pop, new Int32Array([5])), /outside \[0, 4\)/);
  // user 0: positive item 0 (3) vs negatives 1, 3 -> rank 0; user 1: cold positive 2 (0) vs
  // negatives 1, 2-like tie at 0 -> every negative scores >= 0 -> rank 2.
  const scores = popScoresFor(pop, new Int32Array([0, 1, 3, 2, 1, 2]));
  const ranks = rankTargets(scores, 2);
  assert.deepEqual(Array.from(ranks), [0, 2]);
  assert.deepEqual(Array.from(metricsFromRanks(ranks, [1]).hr[0]), [1, 0]);
});
