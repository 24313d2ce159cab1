/**
 * Number formatting shared by the HTML and Markdown reports and the claims checklist.
 *
 * @module
 */

/**
 * A metric value with fixed decimals, "n/a" when not finite.
 *
 * @param v value
 * @param digits decimals (default 4, as in the paper's tables)
 */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "n/a";
  return v.toFixed(digits);
}

/**
 * A signed difference (ours minus paper), e.g. "+0.0012".
 *
 * @param v difference
 * @param digits decimals (default 4)
 */
export function fmtDiff(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "n/a";
  return `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;
}

/**
 * A fraction as a percentage, e.g. 0.119 -> "11.9%" (signed with `signed`).
 *
 * @param v fraction
 * @param opts decimals (default 1) and whether to show "+" on positive values
 */
export function fmtPct(
  v: number | null | undefined,
  opts: { digits?: number; signed?: boolean } = {},
): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "n/a";
  const s = (100 * v).toFixed(opts.digits ?? 1);
  return `${opts.signed && v >= 0 ? "+" : ""}${s}%`;
}

/**
 * A p-value: three significant digits, "< 1e-4" below that.
 *
 * @param p p-value
 */
export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "n/a";
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
 * Lower-case key of a method name as used in `configs/paper/table2.json` ("MF-eALS" ->
 * "mf-eals").
 *
 * @param name method name
 */
export function methodKey(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_]+/g, "-");
}

/**
 * A metric key's display name ("ndcg@10" -> "NDCG@10").
 *
 * @param metric metric key
 */
export function metricTitle(metric: string): string {
  const [kind, n] = metric.split("@");
  const name = kind === "hr" ? "HR" : kind === "ndcg" ? "NDCG" : kind;
  return n === undefined ? name : `${name}@${n}`;
}
