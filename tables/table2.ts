/**
 * Builds the paper's Table 2 (top-N performance, RI, significance stars) as plain data.
 *
 * One row per method with HR@5/10/20 and NDCG@5/10/20 means, then the relative improvement of
 * our method (AMR by default) over that row's method, averaged over the six metrics. Our
 * method's cell of a metric gets a star when a paired two-sided t-test over users finds it
 * better than *every* baseline with p < `ALPHA` (0.05; the paper's caption: "the improvements
 * over baselines are statistically significant"); every p-value is kept. The same table can be built
 * over all test users or only those whose test item is cold (or warm).
 *
 * The result's `header` and `rows` fit the shared renderer (tables/format.ts: `toCsv`,
 * `toMarkdown`, `toLatex`), numbers formatted by tables/numbers.ts; the numbers behind the
 * formatted cells are kept alongside.
 *
 * @module
 */

import {
  invertMask,
  metricColumns,
  metricNames,
  summarise,
  summaryValues,
} from "../models/evaluation.ts";
import type { MetricSummary, UserMetrics } from "../models/evaluation.ts";
import { pairedTTest, relativeImprovement } from "../models/significance.ts";
import type { PairedTTest } from "../models/significance.ts";
import { ALPHA } from "../config/protocol.ts";
import { OURS } from "../config/methods.ts";
import { fmt, fmtPct, metricTitle } from "./numbers.ts";

/** One method's evaluation on the shared test users and negatives. */
export interface MethodEvaluation {
  /** Row label, e.g. "MF-eALS". */
  readonly name: string;
  /** Per-user metrics, users in the same order for every method. */
  readonly perUser: UserMetrics;
  /** Means over all users (checked against `perUser` when given). */
  readonly overall?: MetricSummary;
  /** Means over users whose test item is cold (checked when given and used). */
  readonly cold?: MetricSummary;
  /** Means over users whose test item is warm (checked when given and used). */
  readonly warm?: MetricSummary;
}

/** Which test users a table covers. */
export type Table2Subset = "overall" | "cold" | "warm";

/** Options of {@link buildTable2}. */
export interface Table2Options {
  /** Name of the method compared against the others (default `OURS`, AMR). */
  readonly ours?: string;
  /** Users covered (default "overall"). */
  readonly subset?: Table2Subset;
  /** Per-user flag: the test item is cold. Required for the cold and warm subsets. */
  readonly coldMask?: ArrayLike<boolean | number>;
  /** Significance level of the stars (default `ALPHA`). */
  readonly alpha?: number;
  /** Decimals of the metric cells (default 4, as in the paper). */
  readonly digits?: number;
  /** Caption for the renderer. */
  readonly caption?: string;
}

/** Table 2 as data: renderable cells plus the numbers and tests behind them. */
export interface Table2 {
  /** "Method", the six metrics, "RI". */
  readonly header: string[];
  /** Formatted cells, one row per method in input order (stars on our method's cells). */
  readonly rows: (string | number | null)[][];
  /** Column alignment for the renderer: method left, numbers right. */
  readonly align: ("l" | "r" | "c")[];
  /** Caption, when one was given. */
  readonly caption?: string;
  /** Users covered. */
  readonly subset: Table2Subset;
  /** Number of users in the subset. */
  readonly users: number;
  /** Our method's name. */
  readonly ours: string;
  /** Method names, in row order. */
  readonly methods: string[];
  /** Metric keys (`hr@5` ... `ndcg@20`), in column order. */
  readonly metrics: string[];
  /** Mean of every metric, `values[row][metric]`. */
  readonly values: number[][];
  /** RI of our method over each row's method (a fraction; null on our row, NaN if undefined). */
  readonly ri: (number | null)[];
  /** Paired t-test of ours minus each row's method, per metric (the whole row null for ours). */
  readonly tests: (PairedTTest[] | null)[];
  /** Two-sided p-values, `pValues[row][metric]` (null on our row). */
  readonly pValues: (number | null)[][];
  /** Per metric: ours is better than every baseline with p < alpha (the star). */
  readonly significant: boolean[];
  /** The significance level used. */
  readonly alpha: number;
}

function subsetMask(
  subset: Table2Subset,
  users: number,
  coldMask: ArrayLike<boolean | number> | undefined,
): ArrayLike<boolean | number> | undefined {
  if (subset === "overall") return undefined;
  if (coldMask === undefined) throw new Error(`buildTable2: subset "${subset}" needs coldMask`);
  if (coldMask.length !== users) {
    throw new RangeError(`buildTable2: coldMask has length ${coldMask.length}, expected ${users}`);
  }
  return subset === "cold" ? coldMask : invertMask(coldMask);
}

function select(values: Float64Array, mask: ArrayLike<boolean | number> | undefined): Float64Array {
  if (mask === undefined) return values;
  const out: number[] = [];
  for (let u = 0; u < values.length; u++) if (mask[u]) out.push(values[u]);
  return Float64Array.from(out);
}

function checkSummary(name: string, given: MetricSummary | undefined, computed: MetricSummary) {
  if (given === undefined) return;
  const a = summaryValues(given);
  const b = summaryValues(computed);
  const same = given.users === computed.users && a.length === b.length &&
    a.every((v, k) => Math.abs(v - b[k]) <= 1e-6 || (Number.isNaN(v) && Number.isNaN(b[k])));
  if (!same) {
    throw new Error(`buildTable2: ${name}'s summary does not match its per-user metrics`);
  }
}

function formatRi(ri: number | null): string {
  return ri === null ? "-" : fmtPct(ri, { digits: 2 });
}

/**
 * Builds Table 2 from per-method evaluations on the same users.
 *
 * @param methods one entry per row, in display order; must include our method
 * @param opts our method's name, subset, cold mask, significance level, formatting
 * @throws Error when our method is missing, names repeat, users or cutoffs differ between
 *   methods, a given summary disagrees with the per-user values, or a subset lacks its mask
 */
export function buildTable2(
  methods: readonly MethodEvaluation[],
  opts: Table2Options = {},
): Table2 {
  const ours = opts.ours ?? OURS.name;
  const subset = opts.subset ?? "overall";
  const alpha = opts.alpha ?? ALPHA;
  const digits = opts.digits ?? 4;
  const names = methods.map((m) => m.name);
  if (new Set(names).size !== names.length) {
    throw new Error(`buildTable2: method names repeat: ${names.join(", ")}`);
  }
  const oursIndex = names.indexOf(ours);
  if (oursIndex < 0) throw new Error(`buildTable2: "${ours}" is not among ${names.join(", ")}`);
  const ref = methods[oursIndex].perUser;
  const users = ref.ranks.length;
  const metrics = metricNames(ref.cutoffs);
  for (const m of methods) {
    if (m.perUser.ranks.length !== users) {
      throw new Error(
        `buildTable2: ${m.name} has ${m.perUser.ranks.length} users, ${ours} ${users}`,
      );
    }
    if (metricNames(m.perUser.cutoffs).join() !== metrics.join()) {
      throw new Error(
        `buildTable2: ${m.name} has cutoffs ${m.perUser.cutoffs}, ${ours} ${ref.cutoffs}`,
      );
    }
  }
  const mask = subsetMask(subset, users, opts.coldMask);

  const summaries = methods.map((m) => {
    const s = summarise(m.perUser, mask);
    checkSummary(m.name, m[subset], s);
    return s;
  });
  const values = summaries.map(summaryValues);
  const columns = methods.map((m) => metricColumns(m.perUser).map((c) => select(c.values, mask)));

  const tests = methods.map((_, r) =>
    r === oursIndex
      ? null
      : metrics.map((_, k) => pairedTTest(columns[oursIndex][k], columns[r][k]))
  );
  const significant = metrics.map((_, k) =>
    methods.length > 1 &&
    tests.every((row) => row === null || (row[k].meanDiff > 0 && row[k].p < alpha))
  );
  const ri = methods.map((_, r) =>
    r === oursIndex ? null : relativeImprovement(values[oursIndex], values[r])
  );

  const rows = methods.map((m, r) => [
    m.name,
    ...values[r].map((v, k) => `${fmt(v, digits)}${r === oursIndex && significant[k] ? "*" : ""}`),
    formatRi(ri[r]),
  ]);
  return {
    header: ["Method", ...metrics.map(metricTitle), "RI"],
    rows,
    align: ["l", ...metrics.map(() => "r" as const), "r"],
    ...(opts.caption === undefined ? {} : { caption: opts.caption }),
    subset,
    users: summaries[oursIndex].users,
    ours,
    methods: names,
    metrics,
    values,
    ri,
    tests,
    pValues: tests.map((row) => (row === null ? metrics.map(() => null) : row.map((t) => t.p))),
    significant,
    alpha,
  };
}

/**
 * A companion table of the p-values behind the stars: one row per baseline, one column per
 * metric (ours minus that baseline, paired two-sided t-test over the subset's users).
 *
 * @param table a built Table 2
 */
export function table2PValues(table: Table2): {
  header: string[];
  rows: (string | number | null)[][];
  caption: string;
} {
  const rows: (string | number | null)[][] = [];
  table.methods.forEach((name, r) => {
    if (name !== table.ours) rows.push([name, ...table.pValues[r]]);
  });
  return {
    header: ["Baseline", ...table.metrics.map(metricTitle)],
    rows,
    caption: `Paired t-test p-values of ${table.ours} against each baseline ` +
      `(${table.subset} users, n = ${table.users}; star when p < ${table.alpha} ` +
      `against every baseline)`,
  };
}
