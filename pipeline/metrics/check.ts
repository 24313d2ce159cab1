/**
 * Metric expectations: a small JSON file of expected values with tolerances, checked against
 * the metrics a run produced. Generic: metric names are opaque strings such as
 * `table.row.column`.
 *
 * File format (the project says where the files live):
 * `{ "metrics": { "<name>": { "value": 0.123, "abs": 0.005, "rel": 0.05 } } }`.
 * A metric passes when |got - value| <= max(abs, rel * |value|) (either tolerance may be
 * omitted; with neither, the match must be exact).
 *
 * A calibrated file ({@link calibrateExpectations}) also records, per metric, the value of each
 * seed (`seeds`) and, at the top, `calibration`: the seeds, the rule and its constants. Its
 * `value` is the mean over seeds and `abs` is `max(sigmas * sd, floor)` with `sd` the sample
 * standard deviation over seeds and `floor` the project's tolerance for that metric family.
 *
 * @module
 */

import { z } from "zod";
import { fieldIssue } from "../stage/field_issue.ts";
import type { ToleranceOptions } from "../graph/project.ts";

/** One expected metric. */
export const expectedMetricSchema = z.object({
  value: z.number(),
  abs: z.number().nonnegative().optional(),
  rel: z.number().nonnegative().optional(),
  /** Per-seed values the tolerance was calibrated on. */
  seeds: z.array(z.number()).optional(),
}).strict();

/** How a calibrated file was made. */
export const calibrationSchema = z.object({
  /** Root seed of each run. */
  seeds: z.array(z.number()).min(2),
  /** Multiple of the standard deviation over seeds. */
  sigmas: z.number().positive(),
  /** The rule in words. */
  rule: z.string(),
}).strict();

/** An expectations file. */
export const expectationsSchema = z.object({
  calibration: calibrationSchema.optional(),
  metrics: z.record(z.string().min(1), expectedMetricSchema),
}).strict();

/** One expected metric (value and tolerances). */
export type ExpectedMetric = z.infer<typeof expectedMetricSchema>;

/** Parsed expectations file. */
export type Expectations = z.infer<typeof expectationsSchema>;

/** A metric outside its tolerance, or missing from the run. */
export interface Violation {
  /** Metric name. */
  readonly name: string;
  /** Expected value. */
  readonly expected: number;
  /** Produced value; null when the run did not produce the metric. */
  readonly got: number | null;
  /** Allowed absolute deviation, max(abs, rel * |expected|). */
  readonly tolerance: number;
  /** "missing", "out of tolerance" or "not finite". */
  readonly reason: "missing" | "out of tolerance" | "not finite";
}

/**
 * Parses and validates an expectations file's text.
 *
 * @param text JSON text
 * @throws Error (with zod's message) when the text is not a valid expectations file
 */
export function parseExpectations(text: string): Expectations {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON (${(e as Error).message})`);
  }
  const parsed = expectationsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`invalid expectations file: ${fieldIssue(parsed.error.issues[0])}`);
  }
  return parsed.data;
}

/**
 * The allowed absolute deviation of one expected metric.
 *
 * @param m expected metric
 */
export function toleranceOf(m: ExpectedMetric): number {
  return Math.max(m.abs ?? 0, (m.rel ?? 0) * Math.abs(m.value));
}

/**
 * Whether a produced value is within an expected metric's tolerance (the one rule `check` and
 * `diff` share; a relative slack of 1e-12 absorbs the rounding of the tolerance itself).
 *
 * @param m expected metric
 * @param got produced value
 */
export function withinTolerance(m: ExpectedMetric, got: number): boolean {
  return Number.isFinite(got) && Math.abs(got - m.value) <= toleranceOf(m) * (1 + 1e-12);
}

/**
 * Compares produced metrics with the expectations; metrics produced but not expected are
 * ignored.
 *
 * @param expected parsed expectations
 * @param got produced metrics by name
 * @returns violations in the expectations' order (empty when all pass)
 */
export function checkMetrics(
  expected: Expectations,
  got: Readonly<Record<string, number>>,
): Violation[] {
  const out: Violation[] = [];
  for (const [name, m] of Object.entries(expected.metrics)) {
    const tolerance = toleranceOf(m);
    const base = { name, expected: m.value, tolerance };
    if (!Object.hasOwn(got, name)) {
      out.push({ ...base, got: null, reason: "missing" });
      continue;
    }
    const v = got[name];
    if (!Number.isFinite(v)) {
      out.push({ ...base, got: v, reason: "not finite" });
    } else if (!withinTolerance(m, v)) {
      out.push({ ...base, got: v, reason: "out of tolerance" });
    }
  }
  return out;
}

/**
 * A new expectations file from produced metrics, every metric with the same tolerances, names
 * sorted so that diffs stay small.
 *
 * @param got produced metrics by name (non-finite values are rejected)
 * @param tolerances absolute and/or relative tolerance to write
 * @returns the file's text (JSON, 2-space indent, trailing newline)
 * @throws RangeError when a value is not finite or a tolerance is negative
 */
export function updateExpectations(
  got: Readonly<Record<string, number>>,
  tolerances: ToleranceOptions,
): string {
  for (const t of [tolerances.abs, tolerances.rel]) {
    if (t !== undefined && !(t >= 0)) throw new RangeError(`invalid tolerance ${t}`);
  }
  const metrics: Record<string, ExpectedMetric> = {};
  for (const name of Object.keys(got).sort()) {
    const value = got[name];
    if (!Number.isFinite(value)) throw new RangeError(`metric ${name} is not finite: ${value}`);
    metrics[name] = {
      value,
      ...(tolerances.abs === undefined ? {} : { abs: tolerances.abs }),
      ...(tolerances.rel === undefined ? {} : { rel: tolerances.rel }),
    };
  }
  return `${JSON.stringify({ metrics }, null, 2)}\n`;
}

/**
 * One line per violation, for a CLI.
 *
 * @param v violation
 */
export function formatViolation(v: Violation): string {
  if (v.reason === "missing") return `${v.name}: missing (expected ${v.expected})`;
  return `${v.name}: got ${v.got}, expected ${v.expected} ± ${v.tolerance} (${v.reason})`;
}

/**
 * A calibrated expectations file from several seeds' metrics: per metric produced by every seed,
 * value = mean over seeds, abs = max(sigmas * sd, floor(name)) with sd the sample standard
 * deviation over seeds, and the per-seed values; names sorted.
 *
 * @param perSeed per metric, one value per seed (seed order)
 * @param seeds the seeds, same order (at least two)
 * @param opts floor per metric name, sigmas (default 4)
 * @returns the file's text (JSON, 2-space indent, trailing newline)
 * @throws RangeError with fewer than two seeds or a non-finite value
 */
export function calibrateExpectations(
  perSeed: Readonly<Record<string, readonly number[]>>,
  seeds: readonly number[],
  opts: { floor: (name: string) => number; sigmas?: number },
): string {
  const sigmas = opts.sigmas ?? 4;
  if (seeds.length < 2) throw new RangeError(`calibration needs at least 2 seeds`);
  const metrics: Record<string, ExpectedMetric> = {};
  for (const name of Object.keys(perSeed).sort()) {
    const xs = perSeed[name];
    if (xs.length !== seeds.length) {
      throw new RangeError(`metric ${name}: ${xs.length} values for ${seeds.length} seeds`);
    }
    if (xs.some((x) => !Number.isFinite(x))) {
      throw new RangeError(`metric ${name} is not finite in some seed: ${xs.join(", ")}`);
    }
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
    metrics[name] = { value: mean, abs: Math.max(sigmas * sd, opts.floor(name)), seeds: [...xs] };
  }
  const calibration = {
    seeds: [...seeds],
    sigmas,
    rule: `value = mean over the ${seeds.length} seeds; abs = max(${sigmas} * sd over seeds, ` +
      "floor), floor by metric family (commands/check_support.ts)",
  };
  return `${JSON.stringify({ calibration, metrics }, null, 2)}\n`;
}
