/**
 * One hand-worked evaluation case shared by the evaluation module's tests and the evaluate
 * stage's tests: 4 users, 3 negatives each; each row is [target score, negatives...].
 */

export const SCORES = new Float32Array([
  // user 0: target beats all -> rank 0
  0.9,
  0.1,
  0.2,
  0.3,
  // user 1: one tie and one higher -> rank 2 (ties count against the model)
  0.5,
  0.5,
  0.7,
  0.1,
  // user 2: no target (-1): NaN row
  NaN,
  NaN,
  NaN,
  NaN,
  // user 3: all negatives higher -> rank 3
  0.0,
  0.1,
  0.2,
  0.3,
]);
export const TARGET = new Int32Array([4, 5, -1, 6]);
// Training items: 4 and 6 appear, 5 does not (cold).
export const TRAIN_ITEMS = new Int32Array([4, 6, 7, 4]);
