/**
 * Approximate-equality assertions shared by the tests, with numpy's `allclose` rule:
 * |actual - expected| <= atol + rtol * |expected|.
 */

/** A tolerance: a number is absolute (`atol`); an object gives `atol` and/or `rtol`. */
export type Tolerance = number | { atol?: number; rtol?: number };

function bound(expected: number, tol: Tolerance): number {
  const { atol = 0, rtol = 0 } = typeof tol === "number" ? { atol: tol } : tol;
  return atol + rtol * Math.abs(expected);
}

/** Asserts one number is within `tol` of the expected one (default: absolute 1e-12). */
export function assertClose(actual: number, expected: number, tol: Tolerance = 1e-12, msg = "") {
  const b = bound(expected, tol);
  if (!(Math.abs(actual - expected) <= b)) {
    throw new Error(`${msg} ${actual} != ${expected} (tol ${b})`.trim());
  }
}

/** Asserts two arrays have equal length and are close elementwise (default rtol 1e-4, atol 1e-6). */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  opts: { rtol?: number; atol?: number; msg?: string } = {},
): void {
  const { rtol = 1e-4, atol = 1e-6, msg = "" } = opts;
  if (actual.length !== expected.length) {
    throw new Error(`${msg} length ${actual.length} != ${expected.length}`.trim());
  }
  for (let t = 0; t < actual.length; t++) {
    assertClose(actual[t], expected[t], { atol, rtol }, `${msg} [${t}]:`);
  }
}
