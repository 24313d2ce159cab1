/**
 * Figures, targets and the Markdown table of `deno task bench` (bench/main.ts).
 *
 * @module
 */

/** Median, min and max of a sample. */
export interface Stat {
  /** Median (upper median for an even count). */
  median: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Sample size. */
  n: number;
}

/** One row of the table. */
export interface Figure {
  /** What was measured. */
  name: string;
  /** Unit of the values. */
  unit: string;
  /** The figure (a single value has min = max = median, n = 1). */
  stat: Stat;
  /** The target, if any, e.g. `<= 1.3`. */
  target?: { op: "<=" | ">=" | "<"; value: number };
}

/** Median, min, max of `xs` (NaN stat when empty). */
export function stat(xs: readonly number[]): Stat {
  if (xs.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], n: s.length };
}

/** A single derived value as a stat. */
export function single(x: number): Stat {
  return { median: x, min: x, max: x, n: 1 };
}

/** Whether a figure meets its target (null without one). */
export function targetMet(f: Figure): boolean | null {
  if (!f.target) return null;
  const v = f.stat.median;
  if (f.target.op === "<=") return v <= f.target.value;
  if (f.target.op === "<") return v < f.target.value;
  return v >= f.target.value;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  if (a === 0) return "0";
  if (a >= 100) return x.toFixed(0);
  if (a >= 1) return x.toFixed(2);
  if (a >= 0.01) return x.toFixed(3);
  return x.toExponential(1);
}

/** The Markdown table: one row per figure, with its target and whether it is met. */
export function markdownTable(figures: readonly Figure[]): string {
  const lines = [
    "| figure | median | min | max | n | unit | target | met |",
    "| --- | ---: | ---: | ---: | ---: | --- | --- | --- |",
  ];
  for (const f of figures) {
    const met = targetMet(f);
    const target = f.target ? `${f.target.op} ${f.target.value}` : "";
    const mark = met === null ? "" : met ? "yes" : "**no**";
    const { median, min, max, n } = f.stat;
    const spread = n > 1 ? [fmt(min), fmt(max)] : ["", ""];
    lines.push(
      `| ${f.name} | ${fmt(median)} | ${spread[0]} | ${
        spread[1]
      } | ${n} | ${f.unit} | ${target} | ${mark} |`,
    );
  }
  return lines.join("\n");
}
