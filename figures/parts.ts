/**
 * Building blocks shared by the figure specs (`specs.ts`, one run; `seeds.ts`, across seeds):
 * the title block (its text from `registry.ts`), panel size, the metric panels, log axes over
 * swept values and reference lines. Model colours come from the methods registry
 * (`config/methods.ts`).
 *
 * @module
 */
import { type FigureId, type FigureSettings, figureTexts } from "./registry.ts";
import { methodColor } from "../config/methods.ts";

/** Options shared by the figure builders. */
export interface FigureOptions {
  /** The run's settings the title names (`registry.ts`). */
  readonly settings: FigureSettings;
  /** Dataset name, shown in the subtitle (e.g. "pinterest"). */
  readonly dataset?: string;
  /** Further subtitle lines under the dataset (e.g. how seeds are combined). */
  readonly notes?: readonly string[];
  /** Width of one panel in pixels (default 280). */
  readonly panelWidth?: number;
  /** Height of one panel in pixels (default 200). */
  readonly panelHeight?: number;
}

/** A JSON object of a Vega-Lite spec. */
export type Json = Record<string, unknown>;

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** The two metric panels of Figures 3, 4, 6 and 7, left to right. */
export const METRICS: readonly { field: "hr10" | "ndcg10"; title: string }[] = [
  { field: "hr10", title: "HR@10" },
  { field: "ndcg10", title: "NDCG@10" },
];

/** `$schema` and the title block: the figure's title, the dataset and notes below. */
export function header(id: FigureId, opts: FigureOptions): Json {
  const text = figureTexts(id, opts.settings).title;
  const lines = [
    ...(opts.dataset === undefined ? [] : [`dataset: ${opts.dataset}`]),
    ...(opts.notes ?? []),
  ];
  return {
    $schema: SCHEMA,
    title: lines.length === 0
      ? { text, anchor: "middle" }
      : { text, subtitle: lines.length === 1 ? lines[0] : lines, anchor: "middle" },
  };
}

/** Width and height of one panel. */
export function size(opts: FigureOptions): Json {
  return { width: opts.panelWidth ?? 280, height: opts.panelHeight ?? 200 };
}

/** A log axis when every value is positive, else symlog (so a zero still shows). */
export function logScale(values: readonly number[]): Json {
  return values.every((v) => v > 0) ? { type: "log" } : { type: "symlog", constant: 0.01 };
}

/** Axis ticks at the swept values themselves (few, and log ticks mislead on symlog). */
export function sweepAxis(values: readonly number[]): Json {
  const ticks = [...new Set(values)].sort((a, b) => a - b);
  return ticks.length > 0 && ticks.length <= 12 ? { values: ticks, format: "~r" } : {};
}

/** A dashed horizontal reference line at `level` with its label at the left edge. */
export function referenceLine(label: string, level: number) {
  return [
    {
      data: { values: [{ level }] },
      mark: { type: "rule", strokeDash: [6, 4], color: "#555" },
      encoding: { y: { field: "level", type: "quantitative" } },
    },
    {
      data: { values: [{ label, level }] },
      mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#555" },
      encoding: {
        x: { value: 0 },
        y: { field: "level", type: "quantitative" },
        text: { field: "label" },
      },
    },
  ] as const;
}

/** [min, max] by a loop (spreading ~10^5 values into Math.min overflows the stack); [0, 1] when empty. */
export function extentOf(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Model names in order of first appearance. */
export function uniqueModels(rows: readonly { model: string }[]): string[] {
  return [...new Set(rows.map((r) => r.model))];
}

/**
 * A colour scale giving each model its registered colour (`config/methods.ts`), models in
 * sorted order as Vega's ordinal scale would have them.
 *
 * @param models model display names
 */
export function modelColorScale(models: readonly string[]): Json {
  const domain = [...new Set(models)].sort();
  return { domain, range: domain.map(methodColor) };
}
