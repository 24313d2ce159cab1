/**
 * Unit tests of stages/tune-select.ts; the tuning graph run end to end is
 * tests/e2e/tuning_test.ts.
 */
import assert from "node:assert/strict";
import { edgeCoordinates } from "../../stages/tune-select.ts";

Deno.test("edgeCoordinates: flags the smallest or largest value tried", () => {
  const points = [{ lr: 1, l2: 0 }, { lr: 2, l2: 0 }, { lr: 3, l2: 0 }];
  assert.deepEqual(edgeCoordinates(points, { lr: 2, l2: 0 }), []);
  assert.deepEqual(edgeCoordinates(points, { lr: 3, l2: 0 }), ["lr"]);
});
