import assert from "node:assert/strict";
import {
  calibrateExpectations,
  checkMetrics,
  formatViolation,
  parseExpectations,
  toleranceOf,
  updateExpectations,
} from "../../../pipeline/metrics/check.ts";

const EXPECTED = parseExpectations(JSON.stringify({
  metrics: {
    "table2.amr.ndcg@10": { value: 0.123, abs: 0.005 },
    "table2.vbpr.hr@10": { value: 0.2, rel: 0.1 },
    "table1.users": { value: 3226 },
    "table3.vbpr.0.1": { value: -0.119, abs: 0.01, rel: 0.5 },
  },
}));

Deno.test("checkMetrics: all within tolerance gives no violation; extra metrics ignored", () => {
  const got = {
    "table2.amr.ndcg@10": 0.127,
    "table2.vbpr.hr@10": 0.219,
    "table1.users": 3226,
    "table3.vbpr.0.1": -0.17,
    "unexpected.metric": 42,
  };
  assert.deepEqual(checkMetrics(EXPECTED, got), []);
});

Deno.test("checkMetrics: out of tolerance, missing and non-finite are reported", () => {
  const got = {
    "table2.amr.ndcg@10": 0.129,
    "table2.vbpr.hr@10": Number.NaN,
    "table3.vbpr.0.1": -0.119,
  };
  assert.deepEqual(checkMetrics(EXPECTED, got), [
    {
      name: "table2.amr.ndcg@10",
      expected: 0.123,
      got: 0.129,
      tolerance: 0.005,
      reason: "out of tolerance",
    },
    {
      name: "table2.vbpr.hr@10",
      expected: 0.2,
      got: Number.NaN,
      tolerance: 0.020000000000000004,
      reason: "not finite",
    },
    { name: "table1.users", expected: 3226, got: null, tolerance: 0, reason: "missing" },
  ]);
});

Deno.test("toleranceOf: the larger of abs and rel * |value|", () => {
  assert.equal(toleranceOf({ value: -0.119, abs: 0.01, rel: 0.5 }), 0.0595);
  assert.equal(toleranceOf({ value: 10, abs: 0.5, rel: 0.01 }), 0.5);
  assert.equal(toleranceOf({ value: 10 }), 0);
});

Deno.test("parseExpectations rejects unknown keys, negative tolerances and non-numbers", () => {
  assert.throws(() => parseExpectations('{"metrics": {"a": {"value": 1, "tol": 2}}}'), /invalid/);
  assert.throws(() => parseExpectations('{"metrics": {"a": {"value": 1, "abs": -1}}}'), /invalid/);
  assert.throws(() => parseExpectations('{"metrics": {"a": {"value": "1"}}}'), /invalid/);
  assert.throws(() => parseExpectations('{"metric": {}}'), /invalid/);
});

Deno.test("updateExpectations: sorted names, given tolerances, round-trips through check", () => {
  const got = { "b.x": 0.5, "a.y": 2 };
  const text = updateExpectations(got, { abs: 0.01, rel: 0.05 });
  assert.equal(
    text,
    '{\n  "metrics": {\n    "a.y": {\n      "value": 2,\n      "abs": 0.01,\n      "rel": 0.05\n' +
      '    },\n    "b.x": {\n      "value": 0.5,\n      "abs": 0.01,\n      "rel": 0.05\n    }\n' +
      "  }\n}\n",
  );
  assert.deepEqual(checkMetrics(parseExpectations(text), got), []);
  assert.deepEqual(JSON.parse(updateExpectations({ c: 1 }, {})), { metrics: { c: { value: 1 } } });
  assert.throws(() => updateExpectations({ c: Number.POSITIVE_INFINITY }, {}), RangeError);
  assert.throws(() => updateExpectations({ c: 1 }, { abs: -1 }), RangeError);
});

Deno.test("formatViolation: one readable line", () => {
  assert.equal(
    formatViolation({ name: "m", expected: 1, got: null, tolerance: 0, reason: "missing" }),
    "m: missing (expected 1)",
  );
  assert.equal(
    formatViolation({ name: "m", expected: 1, got: 2, tolerance: 0.5, reason: "out of tolerance" }),
    "m: got 2, expected 1 ± 0.5 (out of tolerance)",
  );
});

Deno.test("calibrateExpectations: mean, abs = max(4 sd, floor), seed values recorded", () => {
  const text = calibrateExpectations(
    { "a.hr@10": [0.1, 0.12, 0.14], "table1.users": [300, 300, 300], "b": [1, 1, 1] },
    [7, 8, 9],
    { floor: (n) => (n === "table1.users" ? 0 : 0.004) },
  );
  const parsed = parseExpectations(text);
  assert.deepEqual(parsed.calibration?.seeds, [7, 8, 9]);
  assert.equal(parsed.calibration?.sigmas, 4);
  const a = parsed.metrics["a.hr@10"];
  assert.ok(Math.abs(a.value - 0.12) < 1e-12);
  assert.ok(Math.abs(a.abs! - 4 * 0.02) < 1e-12); // sd of 0.10, 0.12, 0.14 is 0.02
  assert.deepEqual(a.seeds, [0.1, 0.12, 0.14]);
  assert.equal(parsed.metrics["table1.users"].abs, 0); // no spread, floor 0: exact
  assert.equal(parsed.metrics["b"].abs, 0.004); // no spread: the floor
  // Every seed passes its own calibration; a value 5 sd away does not.
  for (const v of [0.1, 0.12, 0.14]) {
    assert.deepEqual(checkMetrics(parsed, { "a.hr@10": v, "table1.users": 300, b: 1 }), []);
  }
  const off = checkMetrics(parsed, { "a.hr@10": 0.12 + 5 * 0.02, "table1.users": 300, b: 1 });
  assert.deepEqual(off.map((v) => v.name), ["a.hr@10"]);
  assert.throws(() => calibrateExpectations({ a: [1] }, [7], { floor: () => 0 }), /2 seeds/);
  assert.throws(
    () => calibrateExpectations({ a: [1, NaN] }, [7, 8], { floor: () => 0 }),
    /not finite/,
  );
});
