/**
 * The early-stopping rule (models/early_stop.ts) on hand-computed histories: strict
 * improvement only, the start counts, NaN never improves, and where a curve would have stopped.
 */
import assert from "node:assert/strict";
import { evaluationsSinceBest, patienceExhausted, stoppingEpoch } from "../../models/early_stop.ts";

Deno.test("evaluationsSinceBest: strict gains only; NaN never gains, and loses to a number", () => {
  assert.equal(evaluationsSinceBest([]), 0);
  assert.equal(evaluationsSinceBest([0.1]), 0);
  assert.equal(evaluationsSinceBest([0.1, 0.2, 0.15]), 1);
  // A tie is not an improvement: the best stays the earlier one.
  assert.equal(evaluationsSinceBest([0.1, 0.2, 0.2, 0.2]), 2);
  assert.equal(evaluationsSinceBest([0.3, 0.1, 0.2]), 2, "the start counts");
  assert.equal(evaluationsSinceBest([NaN, 0.1]), 0);
  assert.equal(evaluationsSinceBest([0.1, NaN, NaN]), 2);
});

Deno.test("patienceExhausted: null never stops; a patience must be a positive integer", () => {
  assert.equal(patienceExhausted([0.3, 0.1, 0.1, 0.1], null), false);
  assert.equal(patienceExhausted([0.1, 0.2, 0.1], 2), false);
  assert.equal(patienceExhausted([0.1, 0.2, 0.1, 0.15], 2), true);
  assert.throws(() => patienceExhausted([0.1], 0), /positive integer, got 0/);
  assert.throws(() => patienceExhausted([0.1], 1.5), /positive integer/);
});

Deno.test("stoppingEpoch: the first exhausted evaluation, else the curve's end", () => {
  const curve = [0, 50, 100, 150, 200, 250, 300].map((epoch, i) => ({
    epoch,
    value: [0.01, 0.05, 0.08, 0.07, 0.08, 0.06, 0.09][i],
  }));
  // Best 0.08 at 100; 150, 200 (a tie), 250 do not improve: 3 evaluations later is epoch 250.
  assert.deepEqual(stoppingEpoch(curve, 3), { epoch: 250, reason: "patience" });
  assert.deepEqual(stoppingEpoch(curve, 2), { epoch: 200, reason: "patience" });
  assert.deepEqual(stoppingEpoch(curve, 4), { epoch: 300, reason: "epochs" });
  assert.deepEqual(stoppingEpoch([], 1), { epoch: 0, reason: "epochs" });
});
