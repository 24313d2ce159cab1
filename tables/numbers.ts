/**
 * The one module of number formats: metric values, signed differences, percentages and
 * percentage points, p-values, durations, table cells and metric titles. Tables, report and
 * stages all format through it, so one value reads the same everywhere.
 *
 * Every formatter but {@link formatCell} writes "n/a" for a missing or non-finite value.
 *
 * @module
 */

function missing(v: number | null | undefined): v is null | undefined {
  return v === null || v === undefined || !Number.isFinite(v);
}

/**
 * A metric value with fixed decimals, e.g. 0.12345 -> "0.1235".
 *
 * @param v value
 * @param digits decimals (default 4, as in the paper's tables)
 */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (missing(v)) return "n/a";
  return v.toFixed(digits);
}

/**
 * A signed difference, e.g. "+0.0012" or "-0.0300".
 *
 * @param v difference
 * @param digits decimals (default 4)
 */
export function fmtDiff(v: number | null | undefined, digits = 4): string {
  if (missing(v)) return "n/a";
  return `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;
}

/** Options of {@link fmtPct}. */
export interface PctOptions {
  /** Decimals of the percentage (default 1). */
  readonly digits?: number;
  /** Show "+" on values >= 0. */
  readonly signed?: boolean;
}

/**
 * A fraction as a percentage, e.g. 0.119 -> "11.9%" (with `signed`: "+11.9%").
 *
 * @param v fraction
 * @param opts decimals (default 1) and whether to show "+" on values >= 0
 */
export function fmtPct(v: number | null | undefined, opts: PctOptions = {}): string {
  if (missing(v)) return "n/a";
  const s = (100 * v).toFixed(opts.digits ?? 1);
  return `${opts.signed && v >= 0 ? "+" : ""}${s}%`;
}

/**
 * A difference of two fractions in signed percentage points, e.g. 0.012 -> "+1.2 pp".
 *
 * @param v difference of fractions
 * @param digits decimals of the points (default 1)
 */
export function fmtPp(v: number | null | undefined, digits = 1): string {
  return `${fmtDiff(missing(v) ? v : 100 * v, digits)} pp`;
}

/**
 * A p-value: two significant digits, "< 1e-4" below that.
 *
 * @param p p-value
 */
export function fmtP(p: number | null | undefined): string {
  if (missing(p)) return "n/a";
  if (p < 1e-4) return "< 1e-4";
  return String(Number(p.toPrecision(2)));
}

/**
 * A p-value as a clause: "p = 0.003", or "p < 1e-4" below 1e-4.
 *
 * @param p p-value
 */
export function fmtPClause(p: number | null | undefined): string {
  const s = fmtP(p);
  return s.startsWith("<") ? `p ${s}` : `p = ${s}`;
}

/**
 * A p-value in a compact list: two significant digits kept as written ("0.10"), "<1e-4" below
 * 1e-4, "–" when absent.
 *
 * @param p p-value or null
 */
export function fmtPCompact(p: number | null): string {
  if (p === null) return "–";
  return p < 1e-4 ? "<1e-4" : p.toPrecision(2);
}

/**
 * A duration in ms as "850 ms", "12.3 s" or "4 min 5 s".
 *
 * @param ms milliseconds
 */
export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "n/a";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/**
 * A table cell's number: integers with thousands separators, others to 4 decimals, very small
 * or large values in exponent form; a non-finite value as JavaScript writes it.
 *
 * @param value number
 */
export function formatCell(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3);
  return value.toFixed(4);
}

/**
 * A metric key's display name ("ndcg@10" -> "NDCG@10", "hr@5" -> "HR@5").
 *
 * @param metric metric key
 */
export function metricTitle(metric: string): string {
  const [kind, n] = metric.split("@");
  const name = kind === "hr" ? "HR" : kind === "ndcg" ? "NDCG" : kind;
  return n === undefined ? name : `${name}@${n}`;
}
