import assert from "node:assert/strict";
import { assertAllClose, assertClose } from "./assert_close.ts";

Deno.test("assertClose: absolute and relative tolerances, and a message on failure", () => {
  assertClose(1 + 1e-13, 1);
  assert.throws(() => assertClose(1 + 1e-11, 1), /1\.00000000001 != 1 \(tol 1e-12\)/);
  assertClose(1000.5, 1000, { rtol: 1e-3 });
  assert.throws(() => assertClose(1001.5, 1000, { rtol: 1e-3 }, "big"), /^Error: big 1001\.5/);
  assertClose(0.1, 0, { atol: 0.1, rtol: 1 });
  assert.throws(() => assertClose(NaN, 0, 1));
});

Deno.test("assertAllClose: elementwise, and lengths must match", () => {
  assertAllClose([1, 2], new Float32Array([1, 2.0001]));
  assert.throws(() => assertAllClose([1, 2], [1, 2.01], { msg: "v" }), /v \[1\]: 2 != 2\.01/);
  assert.throws(() => assertAllClose([1], [1, 2]), /length 1 != 2/);
});
