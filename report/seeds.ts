/**
 * Results across seeds (`--seeds N` / `seeds` in a profile): every training, evaluation and
 * robustness node runs once per seed, on the same data split and test negatives
 * (`--seeds-vary training`, the default) or on a split and negatives drawn per seed
 * (`--seeds-vary data`); this module combines the per-seed outputs and says which of the two
 * the intervals cover ({@link seedsScope}).
 *
 * How seeds and users are combined:
 * - Table 2 and Table 3: per cell, the mean over seeds of the per-seed value (itself a mean
 *   over test users), with a 95% Student-t interval over seeds (n - 1 degrees of freedom) and
 *   every seed's value. Users are never pooled across seeds.
 * - Table 2's stars stay per-user paired t-tests within one seed; across seeds a cell reports
 *   in how many seeds it was starred.
 * - Claims: each seed's verdict comes from its own per-user test (`claims.ts`); across seeds the
 *   verdict is **holds** when every seed holds, **fails** when every seed fails, and
 *   **inconclusive** otherwise (agreement across seeds), with the per-seed verdicts and p-values.
 * - AMR against the lambda = 0 control with 3 or more seeds: a paired t-test over seeds of the
 *   per-seed metric values (each a mean over test users), {@link controlOverSeeds}.
 *
 * @module
 */
import { directionalVerdict, pairedTTest, tInterval } from "../models/significance.ts";
import { ALPHA } from "../config/protocol.ts";
import type { SeedsVary } from "../config/seeds_vary.ts";
import { CONTROL, OURS } from "../config/methods.ts";
import { fmt, fmtDiff, fmtPClause, metricTitle } from "../tables/numbers.ts";
import { CLAIMS, type ClaimStatus } from "./claims.ts";

/** Mean, spread and 95% interval of one quantity over seeds. */
export interface SeedStat {
  /** Mean over seeds. */
  readonly mean: number;
  /** Sample standard deviation over seeds (NaN for one seed). */
  readonly sd: number;
  /** 95% t-interval of the mean (NaN bounds for one seed). */
  readonly lo: number;
  /** Upper bound. */
  readonly hi: number;
  /** Per-seed values, in seed order. */
  readonly values: readonly number[];
}

/**
 * Mean, standard deviation and 95% t-interval of per-seed values.
 *
 * @param values one value per seed
 */
export function seedStat(values: readonly number[]): SeedStat {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : NaN;
  const [lo, hi] = tInterval(mean, sd, n);
  return { mean, sd, lo, hi, values: [...values] };
}

/** One Table 2 (a subset of users) as the table2 stage writes it. */
export interface Table2Part {
  /** Method names in row order. */
  readonly methods: readonly string[];
  /** Metric keys in column order. */
  readonly metrics: readonly string[];
  /** Means, `values[row][metric]`. */
  readonly values: readonly (readonly number[])[];
  /** RI of ours over each row (null on ours). */
  readonly ri?: readonly (number | null)[];
  /** Per metric: ours significantly better than every baseline. */
  readonly significant?: readonly boolean[];
}

/** Table 2 across seeds, one subset. */
export interface Table2SeedsPart {
  /** Method names in row order. */
  readonly methods: readonly string[];
  /** Metric keys in column order. */
  readonly metrics: readonly string[];
  /** `cells[row][metric]`. */
  readonly cells: readonly (readonly SeedStat[])[];
  /** RI of ours over each row across seeds (null on ours). */
  readonly ri: readonly (SeedStat | null)[];
  /** Per metric, the number of seeds whose cell was starred. */
  readonly starredSeeds: readonly number[];
}

/** `table2_seeds.json`. */
export interface Table2Seeds {
  /** The seeds (root seed of each replicate). */
  readonly seeds: readonly number[];
  /** How seeds and users are combined. */
  readonly rule: string;
  /** All test users, and the cold and warm subsets when every seed has them. */
  readonly overall: Table2SeedsPart;
  /** Users whose test item is cold. */
  readonly cold?: Table2SeedsPart;
  /** Users whose test item is warm. */
  readonly warm?: Table2SeedsPart;
}

/** What {@link seedStat}'s `lo` and `hi` are, as printed with tables and figures. */
export const SEED_INTERVAL = "95% Student-t interval over seeds (n - 1 df)";

/** The combination rule, as printed with the tables. */
export const SEEDS_RULE: string =
  "Each cell: mean over seeds of the per-seed mean over test users, " +
  `with a ${SEED_INTERVAL} and the per-seed values; users are not ` +
  `pooled across seeds. Stars (paired t-test over users, p < ${ALPHA}, against every baseline) ` +
  "are per seed; the table says in how many seeds a cell was starred.";

function part(tables: readonly Table2Part[], what: string): Table2SeedsPart {
  const first = tables[0];
  for (const t of tables) {
    if (t.methods.join() !== first.methods.join() || t.metrics.join() !== first.metrics.join()) {
      throw new Error(`table2 across seeds: ${what}: methods or metrics differ between seeds`);
    }
  }
  return {
    methods: [...first.methods],
    metrics: [...first.metrics],
    cells: first.methods.map((_, r) =>
      first.metrics.map((_, k) => seedStat(tables.map((t) => t.values[r][k])))
    ),
    ri: first.methods.map((_, r) => {
      const v = tables.map((t) => t.ri?.[r]);
      return v.every((x) => typeof x === "number" && Number.isFinite(x))
        ? seedStat(v as number[])
        : null;
    }),
    starredSeeds: first.metrics.map((_, k) =>
      tables.filter((t) => t.significant?.[k] === true).length
    ),
  };
}

/**
 * Table 2 across seeds from each seed's `table2.json`.
 *
 * @param tables per seed, `{ overall, cold?, warm? }`
 * @param seeds the seeds, same order
 */
export function table2AcrossSeeds(
  tables: readonly { overall: Table2Part; cold?: Table2Part | null; warm?: Table2Part | null }[],
  seeds: readonly number[],
): Table2Seeds {
  if (tables.length === 0 || tables.length !== seeds.length) {
    throw new Error(`table2 across seeds: ${tables.length} tables for ${seeds.length} seeds`);
  }
  const subset = (k: "cold" | "warm") =>
    tables.every((t) => t[k]) ? { [k]: part(tables.map((t) => t[k]!), k) } : {};
  return {
    seeds: [...seeds],
    rule: SEEDS_RULE,
    overall: part(tables.map((t) => t.overall), "overall"),
    ...subset("cold"),
    ...subset("warm"),
  };
}

/** Per-seed values of every metric that every seed produced (`metrics.json` across seeds). */
export function metricsAcrossSeeds(
  perSeed: readonly Readonly<Record<string, number>>[],
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const names = Object.keys(perSeed[0] ?? {}).sort();
  for (const name of names) {
    if (perSeed.every((m) => typeof m[name] === "number")) out[name] = perSeed.map((m) => m[name]);
  }
  return out;
}

/** A claim's verdict in one seed (`claims.json` of a report). */
export interface SeedClaim {
  /** Claim id (`claims.ts`). */
  readonly id: string;
  /** The claim in words. */
  readonly text: string;
  /** Where the paper makes it. */
  readonly source: string;
  /** The seed's verdict. */
  readonly status: ClaimStatus;
  /** The seed's test. */
  readonly test?: string;
  /** The seed's p-value. */
  readonly p?: number;
}

/** A claim across seeds. */
export interface ClaimAcrossSeeds {
  /** Claim id (`claims.ts`). */
  readonly id: string;
  /** The claim in words. */
  readonly text: string;
  /** Where the paper makes it. */
  readonly source: string;
  /** Agreement verdict (see the module comment). */
  readonly status: ClaimStatus;
  /** Per-seed verdicts, in seed order. */
  readonly perSeed: readonly ClaimStatus[];
  /** Per-seed p-values (null: none). */
  readonly p: readonly (number | null)[];
  /** The per-seed test. */
  readonly test?: string;
}

/**
 * Claims across seeds by agreement: holds when every seed holds, fails when every seed fails,
 * not measured when no seed measured it, inconclusive otherwise.
 *
 * @param perSeed each seed's claims, same claims in the same order
 */
export function claimsAcrossSeeds(perSeed: readonly (readonly SeedClaim[])[]): ClaimAcrossSeeds[] {
  const first = perSeed[0] ?? [];
  return first.map((c, i) => {
    const all = perSeed.map((s) => {
      if (s[i]?.id !== c.id) throw new Error(`claims across seeds: claim ${i} is not ${c.id}`);
      return s[i];
    });
    const statuses = all.map((s) => s.status);
    const every = (x: ClaimStatus) => statuses.every((s) => s === x);
    const status: ClaimStatus = every("holds")
      ? "holds"
      : every("fails")
      ? "fails"
      : every("not measured")
      ? "not measured"
      : "inconclusive";
    return {
      id: c.id,
      text: c.text,
      source: c.source,
      status,
      perSeed: statuses,
      p: all.map((s) => (typeof s.p === "number" ? s.p : null)),
      ...(c.test ? { test: c.test } : {}),
    };
  });
}

/**
 * What the intervals over seeds cover, in words: printed under every table and on the figure
 * page across seeds.
 *
 * @param vary what each seed redraws (`--seeds-vary`)
 */
export function seedsScope(vary: SeedsVary): string {
  const shared = "The dataset itself (for a synthetic dataset, its generation), the item " +
    "features and any tuning runs are shared by every seed";
  if (vary === "data") {
    return "What varies across seeds (--seeds-vary data): training and data. Each seed draws " +
      "its own train/validation/test split and test negatives and retrains every model on " +
      `them (initialisation, sampled training triples, sweeps, perturbations). ${shared} ` +
      "(tuning chose its settings on the first seed's split), so the intervals leave out " +
      "the variation of the dataset and of the tuning.";
  }
  return "What varies across seeds (--seeds-vary training, the default): training only. " +
    "Each seed retrains every model (initialisation, sampled training triples, sweeps, " +
    "perturbations) on the same train/validation/test split and test negatives. " +
    `${shared}, so the intervals leave out the variation of the split and the negatives ` +
    "(--seeds-vary data redraws them per seed).";
}

/** Fewest seeds for the paired test over seeds ({@link controlOverSeeds}). */
export const MIN_SEEDS_PAIRED = 3;

/** AMR against the lambda = 0 control on one metric, paired over seeds. */
export interface SeedsPairedRow {
  /** Metric key, e.g. "hr@10". */
  readonly metric: string;
  /** AMR's value per seed (its mean over test users), in seed order. */
  readonly amr: readonly number[];
  /** The control's value per seed, same order. */
  readonly control: readonly number[];
  /** Mean over seeds of AMR minus the control. */
  readonly meanDiff: number;
  /** 95% t-interval of that mean (n - 1 df). */
  readonly interval: readonly [number, number];
  /** t statistic. */
  readonly t: number;
  /** Degrees of freedom (seeds - 1). */
  readonly df: number;
  /** Two-sided p-value. */
  readonly p: number;
  /** Verdict of "AMR is better than the control" at alpha (not measured: a value is absent). */
  readonly status: ClaimStatus;
}

/** The paired test over seeds of AMR against the lambda = 0 control. */
export interface ControlOverSeeds {
  /** The test in words. */
  readonly test: string;
  /** Significance level. */
  readonly alpha: number;
  /** One row per metric of the control claims; empty with fewer than 3 seeds. */
  readonly rows: readonly SeedsPairedRow[];
  /** Why there are no rows, when there are none. */
  readonly skipped?: string;
}

/** A metric of the per-seed `metrics.json` (names as `report/metrics.ts` writes them). */
function perSeedMetric(metrics: Readonly<Record<string, readonly number[]>>, name: string) {
  const v = metrics[name];
  return v !== undefined && v.every((x) => Number.isFinite(x)) ? v : undefined;
}

/**
 * AMR against the lambda = 0 control over seeds: per metric of the control claims, a paired
 * two-sided t-test over seeds of AMR's and the control's per-seed values (each a mean over all
 * test users), with the 95% t-interval of the mean difference and a verdict at alpha. Seeds,
 * not users, are the units: the test asks whether the gain repeats from seed to seed. Needs
 * {@link MIN_SEEDS_PAIRED} or more seeds.
 *
 * @param metrics per-seed values of every metric (`metrics_seeds.json`'s `metrics`)
 * @param seeds number of seeds
 * @param alpha significance level
 */
export function controlOverSeeds(
  metrics: Readonly<Record<string, readonly number[]>>,
  seeds: number,
  alpha: number = ALPHA,
): ControlOverSeeds {
  const test = `paired t-test over ${seeds} seeds of ${OURS.name} minus ${CONTROL.name} ` +
    "(λ = 0 control), each seed's value its mean over all test users (two-sided, alpha " +
    `${alpha})`;
  if (seeds < MIN_SEEDS_PAIRED) {
    return {
      test,
      alpha,
      rows: [],
      skipped: `needs ${MIN_SEEDS_PAIRED} or more seeds; this run has ${seeds}`,
    };
  }
  const metricKeys = CLAIMS.flatMap((c) => (c.rule.kind === "control" ? [c.rule.metric] : []));
  const rows = metricKeys.map((metric): SeedsPairedRow => {
    const amr = perSeedMetric(metrics, `table2.${OURS.key}.${metric}`);
    const control = perSeedMetric(metrics, `control.${CONTROL.key}.overall.${metric}`);
    if (amr === undefined || control === undefined) {
      return {
        metric,
        amr: amr ?? [],
        control: control ?? [],
        meanDiff: NaN,
        interval: [NaN, NaN],
        t: NaN,
        df: 0,
        p: NaN,
        status: "not measured",
      };
    }
    const r = pairedTTest(amr, control);
    const [lo, hi] = tInterval(r.meanDiff, r.sdDiff, r.n);
    return {
      metric,
      amr: [...amr],
      control: [...control],
      meanDiff: r.meanDiff,
      interval: [lo, hi],
      t: r.t,
      df: r.df,
      p: r.p,
      status: directionalVerdict(r.meanDiff, r.p, alpha),
    };
  });
  return { test, alpha, rows };
}

/**
 * One row of the paired test over seeds as text cells: metric, AMR and control per seed, the
 * mean difference with its interval, p, verdict.
 *
 * @param r a row of {@link controlOverSeeds}
 */
export function seedsPairedCells(r: SeedsPairedRow): string[] {
  const list = (v: readonly number[]) => v.length === 0 ? "–" : v.map((x) => fmt(x)).join(", ");
  const ci = Number.isFinite(r.interval[0])
    ? ` [${fmtDiff(r.interval[0])}, ${fmtDiff(r.interval[1])}]`
    : "";
  return [
    metricTitle(r.metric),
    list(r.amr),
    list(r.control),
    Number.isFinite(r.meanDiff) ? `${fmtDiff(r.meanDiff)}${ci}` : "–",
    Number.isFinite(r.p) ? `t = ${fmt(r.t, 2)}, df = ${r.df}, ${fmtPClause(r.p)}` : "–",
    r.status,
  ];
}
