/**
 * Building blocks shared by the figure specs (`specs.ts`, one run; `seeds.ts`, across seeds):
 * the title block, panel size, the metric panels, log axes over swept values, reference lines
 * and the model colours.
 *
 * @module
 */

/** Options shared by the figure builders. */
export interface FigureOptions {
  /** Dataset name, shown in the subtitle (e.g. "pinterest"). */
  readonly dataset?: string;
  /** Replaces the default title. */
  readonly title?: string;
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

/** Vega's default category colours, so a model keeps its colour across panels. */
export const PALETTE: readonly string[] = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2"];

/** `$schema` and the title block: `opts.title` or the default, the dataset and notes below. */
export function header(defaultTitle: string, opts: FigureOptions): Json {
  const text = opts.title ?? defaultTitle;
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

/** A model's colour: by sorted name, as Vega's ordinal colour scale assigns them. */
export function modelColor(model: string, models: readonly string[]): string {
  const sorted = [...models].sort();
  return PALETTE[sorted.indexOf(model) % PALETTE.length];
}
