import assert from "node:assert/strict";
import { mergeExpectations } from "../../../pipeline/cli/check.ts";
import { checkMetrics, parseExpectations } from "../../../pipeline/metrics/check.ts";

Deno.test("check --update keeps a metric's tolerances, adds new ones, lists every change", () => {
  const old = parseExpectations(JSON.stringify({
    metrics: {
      "a.kept": { value: 1, abs: 0.5 },
      "b.moved": { value: 2, rel: 0.1 },
      "c.gone": { value: 3, abs: 0 },
    },
  }));
  const got = { "a.kept": 1, "b.moved": 2.5, "d.new": 0.25 };
  const { text, changes } = mergeExpectations(old, got, () => ({ abs: 0.004 }));
  assert.deepEqual(changes, [
    "~ b.moved: 2 -> 2.5",
    "+ d.new: 0.25",
    "- c.gone (no longer produced)",
  ]);
  const next = parseExpectations(text);
  assert.deepEqual(next.metrics, {
    "a.kept": { value: 1, abs: 0.5 },
    "b.moved": { value: 2.5, rel: 0.1 },
    "d.new": { value: 0.25, abs: 0.004 },
  });
  assert.deepEqual(checkMetrics(next, got), []);
  assert.throws(() => mergeExpectations(null, { x: NaN }, () => ({})), /not finite/);
});

Deno.test("check --update refuses a calibrated file, naming the command that remakes it", () => {
  const old = parseExpectations(JSON.stringify({
    calibration: { seeds: [7, 8, 9], sigmas: 4, rule: "mean; max(4 sd, floor)" },
    metrics: { "a.b": { value: 1, abs: 0.5, seeds: [0.9, 1, 1.1] } },
  }));
  assert.throws(
    () => mergeExpectations(old, { "a.b": 1 }, () => ({ abs: 0.004 })),
    /calibrated over seeds 7, 8, 9: recalibrate with "check --calibrate --seeds 3"/,
  );
});

Deno.test("a bad expectations file names the field and what was expected", () => {
  assert.throws(() => parseExpectations('{"metrics":'), /^Error: not valid JSON \(/);
  assert.throws(
    () => parseExpectations(JSON.stringify({ metrics: { "a.b": { value: "high" } } })),
    /^Error: invalid expectations file: field "metrics\.a\.b\.value": .*expected number/,
  );
});
