/**
 * `diff`: metric values of two runs (or a run and its expectations or reference values) side
 * by side, like `dvc metrics diff`, with the same tolerance rule as `check` (check.ts), so CI
 * can gate on the exit code.
 */
import { type Expectations, toleranceOf, withinTolerance } from "./check.ts";
import type { ToleranceOptions } from "../graph/project.ts";

/** One metric's comparison. */
export interface DiffRow {
  name: string;
  old: number | null;
  new: number | null;
  /** new - old; null when either is missing. */
  diff: number | null;
  /** Allowed absolute deviation. */
  tolerance: number;
  /**
   * `same`: equal; `within`: different but within tolerance; `changed`: beyond tolerance;
   * `added`: only in new; `removed`: only in old.
   */
  status: "same" | "within" | "changed" | "added" | "removed";
}

/** Output formats of {@link formatDiff}. */
export const DIFF_FORMATS = ["plain", "md", "json"] as const;
/** One output format. */
export type DiffFormat = typeof DIFF_FORMATS[number];

/**
 * Compares two metric maps. Tolerances come from `expectations` when the old side is an
 * expectations file (per metric, as `check` uses them), else from `tolerance(name)` around
 * the old value.
 */
export function diffMetrics(
  old: Readonly<Record<string, number>>,
  next: Readonly<Record<string, number>>,
  tol: { expectations?: Expectations; tolerance?: (name: string) => ToleranceOptions },
): DiffRow[] {
  const names = [...new Set([...Object.keys(old), ...Object.keys(next)])].sort();
  return names.map((name) => {
    const o = Object.hasOwn(old, name) ? old[name] : null;
    const n = Object.hasOwn(next, name) ? next[name] : null;
    const expected = tol.expectations?.metrics[name] ??
      (o === null ? null : { value: o, ...(tol.tolerance?.(name) ?? {}) });
    const tolerance = expected ? toleranceOf(expected) : 0;
    const base = { name, old: o, new: n, tolerance };
    if (o === null) return { ...base, diff: null, status: "added" };
    if (n === null) return { ...base, diff: null, status: "removed" };
    const status = n === o ? "same" : withinTolerance(expected!, n) ? "within" : "changed";
    return { ...base, diff: n - o, status };
  });
}

/** True when CI should fail: a metric moved beyond tolerance or disappeared. */
export function diffFails(rows: readonly DiffRow[]): boolean {
  return rows.some((r) => r.status === "changed" || r.status === "removed");
}

function num(v: number | null): string {
  if (v === null) return "-";
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}

function signed(v: number | null): string {
  if (v === null) return "-";
  return (v > 0 ? "+" : "") + num(v);
}

const STATUS_TEXT: Record<DiffRow["status"], string> = {
  same: "same",
  within: "within tolerance",
  changed: "CHANGED",
  added: "added",
  removed: "REMOVED",
};

/**
 * Renders rows as aligned plain text, a Markdown table or JSON. Without `all`, only metrics
 * whose value differs (or that exist on one side only) are listed.
 */
export function formatDiff(
  rows: readonly DiffRow[],
  format: DiffFormat,
  opts: { all?: boolean; old: string; new: string },
): string {
  const shown = opts.all ? rows : rows.filter((r) => r.status !== "same");
  const failing = rows.filter((r) => r.status === "changed" || r.status === "removed").length;
  if (format === "json") {
    return JSON.stringify(
      { old: opts.old, new: opts.new, compared: rows.length, failing, metrics: shown },
      null,
      2,
    );
  }
  const header = ["metric", "old", "new", "diff", "tolerance", "status"];
  const table = shown.map((r) => [
    r.name,
    num(r.old),
    num(r.new),
    signed(r.diff),
    r.status === "added" ? "-" : `±${num(r.tolerance)}`,
    STATUS_TEXT[r.status],
  ]);
  const summary = `${rows.length} metrics compared, ${
    rows.filter((r) => r.status !== "same").length
  } differ, ${failing} beyond tolerance or missing (old: ${opts.old}; new: ${opts.new})`;
  if (format === "md" && table.length > 0) {
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [
      line(header),
      line(header.map((_, i) => (i === 0 || i === 5 ? "---" : "---:"))),
      ...table.map(line),
      "",
      summary,
    ].join("\n");
  }
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ").trimEnd();
  if (table.length === 0) return summary;
  return [fmt(header), ...table.map(fmt), summary].join("\n");
}
