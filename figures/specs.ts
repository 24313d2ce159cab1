/**
 * Vega-Lite specs of the paper's Figures 3-7, one function per figure, from plain data.
 *
 * Every figure shows our numbers only: the paper gives its figures as images, without values.
 * Layouts follow the paper: Figures 3, 4, 6 and 7 have an HR@10 panel and an NDCG@10 panel side
 * by side; Figure 5 has the distribution of per-user rank changes with a box plot per model.
 * Render them with `render.ts`.
 *
 * @module
 */

import type { TopLevelSpec } from "vega-lite";

/** One evaluation of a training curve (Figure 3). */
export interface CurvePoint {
  /** "AMR" or "VBPR" (continued from the same weights). */
  readonly model: string;
  /** Epochs after the shared starting point. */
  readonly epoch: number;
  /** Test HR@10. */
  readonly hr10: number;
  /** Test NDCG@10. */
  readonly ndcg10: number;
}

/** HR@10 and NDCG@10 of one model (a reference line). */
export interface MetricLevel {
  /** HR@10. */
  readonly hr10: number;
  /** NDCG@10. */
  readonly ndcg10: number;
}

/** VBPR's test performance under a perturbation of the image features (Figure 4). */
export interface PerturbationPoint extends MetricLevel {
  /** "rand": Gaussian noise rescaled to eps; "grad": the adversarial perturbation. */
  readonly kind: "rand" | "grad";
  /** L2 radius of the perturbation per item. */
  readonly eps: number;
}

/** One user's rank change under perturbation (Figure 5). */
export interface RankChange {
  /** "VBPR" or "AMR". */
  readonly model: string;
  /** Rank with perturbation minus rank without (positive: the test item fell). */
  readonly change: number;
}

/** AMR's test performance for one eps (Figure 6). */
export interface EpsPoint extends MetricLevel {
  /** Adversarial radius eps used in training. */
  readonly eps: number;
}

/** AMR's test performance for one lambda (Figure 7). */
export interface LambdaPoint extends MetricLevel {
  /** Weight lambda of the adversarial loss in training. */
  readonly lambda: number;
}

/** Options shared by the figure builders. */
export interface FigureOptions {
  /** Dataset name, shown in the subtitle (e.g. "pinterest"). */
  readonly dataset?: string;
  /** Replaces the default title. */
  readonly title?: string;
  /** Width of one panel in pixels (default 280). */
  readonly panelWidth?: number;
  /** Height of one panel in pixels (default 200). */
  readonly panelHeight?: number;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

const METRICS: { field: "hr10" | "ndcg10"; title: string }[] = [
  { field: "hr10", title: "HR@10" },
  { field: "ndcg10", title: "NDCG@10" },
];

type Json = Record<string, unknown>;

/** Vega's default category colours, so a model keeps its colour across panels. */
const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2"];

function header(defaultTitle: string, opts: FigureOptions): Json {
  const text = opts.title ?? defaultTitle;
  return {
    $schema: SCHEMA,
    title: opts.dataset === undefined
      ? { text, anchor: "middle" }
      : { text, subtitle: `dataset: ${opts.dataset}`, anchor: "middle" },
  };
}

function size(opts: FigureOptions): Json {
  return { width: opts.panelWidth ?? 280, height: opts.panelHeight ?? 200 };
}

/** A log axis when every value is positive, else symlog (so a zero still shows). */
function logScale(values: number[]): Json {
  return values.every((v) => v > 0) ? { type: "log" } : { type: "symlog", constant: 0.01 };
}

/** Axis ticks at the swept values themselves (few, and log ticks mislead on symlog). */
function sweepAxis(values: number[]): Json {
  const ticks = [...new Set(values)].sort((a, b) => a - b);
  return ticks.length > 0 && ticks.length <= 12 ? { values: ticks, format: "~r" } : {};
}

/** [min, max] by a loop (spreading ~10^5 values into Math.min overflows the stack); [0, 1] when empty. */
/** A dashed horizontal reference line at `level` with its label at the left edge. */
function referenceLine(label: string, level: number) {
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

function extentOf(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function uniqueModels(rows: readonly { model: string }[]): string[] {
  return [...new Set(rows.map((r) => r.model))];
}

/**
 * Figure 3: test HR@10 and NDCG@10 every 50 epochs of AMR and of VBPR continued from the same
 * VBPR weights, with pretrained MF-BPR as a dashed reference line.
 *
 * @param curves one point per model and evaluated epoch
 * @param mfLevel MF-BPR's HR@10 and NDCG@10 (the reference line)
 * @param opts dataset, title and panel size
 */
export function figure3Spec(
  curves: readonly CurvePoint[],
  mfLevel: MetricLevel,
  opts: FigureOptions = {},
): TopLevelSpec {
  const values = curves.map((c) => ({ ...c }));
  const panels = METRICS.map((m) => ({
    ...size(opts),
    title: m.title,
    layer: [
      {
        data: { values },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "epoch", type: "quantitative", title: "Epoch" },
          y: { field: m.field, type: "quantitative", title: m.title, scale: { zero: false } },
          color: { field: "model", type: "nominal", title: "Model" },
          shape: { field: "model", type: "nominal", title: "Model" },
        },
      },
      ...referenceLine("MF-BPR", mfLevel[m.field]),
    ],
  }));
  return {
    ...header("Fig. 3: Testing performance of VBPR and AMR per 50 epochs", opts),
    hconcat: panels,
  } as TopLevelSpec;
}

/**
 * Figure 4: VBPR's HR@10 and NDCG@10 under random (VBPR-rand) and adversarial (VBPR-grad)
 * perturbations of the image features over eps, unperturbed VBPR as a dashed line.
 *
 * @param points one point per kind and eps
 * @param clean unperturbed VBPR
 * @param opts dataset, title and panel size
 */
export function figure4Spec(
  points: readonly PerturbationPoint[],
  clean: MetricLevel,
  opts: FigureOptions = {},
): TopLevelSpec {
  const values = points.map((p) => ({ ...p, series: `VBPR-${p.kind}` }));
  const scale = logScale(points.map((p) => p.eps));
  const panels = METRICS.map((m) => ({
    ...size(opts),
    title: m.title,
    layer: [
      {
        data: { values },
        mark: { type: "line", point: true },
        encoding: {
          x: {
            field: "eps",
            type: "quantitative",
            title: "ε (perturbation radius, log scale)",
            scale,
            axis: sweepAxis(points.map((p) => p.eps)),
          },
          y: { field: m.field, type: "quantitative", title: m.title },
          color: { field: "series", type: "nominal", title: "Perturbation" },
          shape: { field: "series", type: "nominal", title: "Perturbation" },
        },
      },
      ...referenceLine("VBPR (clean)", clean[m.field]),
    ],
  }));
  return {
    ...header("Fig. 4: VBPR under random and adversarial perturbations", opts),
    hconcat: panels,
  } as TopLevelSpec;
}

/**
 * Figure 5: the per-user rank change at eps = 0.1 for VBPR and AMR. One row per model: the
 * distribution of the changes (a horizontal histogram) with its box plot on the right, as in
 * the paper, where "the boxplots represent the statistical distributions at the left side of
 * them". Whiskers span min to max, so no per-user outlier marks are drawn.
 *
 * @param rankChanges one entry per model and user
 * @param opts dataset, title and panel size
 */
export function figure5Spec(
  rankChanges: readonly RankChange[],
  opts: FigureOptions = {},
): TopLevelSpec {
  const values = rankChanges.map((r) => ({ model: r.model, change: r.change }));
  const height = (opts.panelHeight ?? 200) + 60;
  const yTitle = "Rank change (> 0: worse)";
  const [lo, hi] = extentOf(rankChanges.map((r) => r.change));
  const extent = [lo, Math.max(hi, lo + 1)];
  const models = uniqueModels(rankChanges);
  // Colours by sorted name, as Vega's ordinal colour scale does in Figure 3.
  const sorted = [...models].sort();
  const rows = models.map((model) => {
    const color = PALETTE[sorted.indexOf(model) % PALETTE.length];
    return {
      title: model,
      transform: [{ filter: { field: "model", equal: model } }],
      hconcat: [
        {
          width: opts.panelWidth ?? 280,
          height,
          mark: { type: "bar", color },
          encoding: {
            y: {
              field: "change",
              type: "quantitative",
              bin: { maxbins: 40, extent },
              title: yTitle,
            },
            x: { aggregate: "count", type: "quantitative", title: "Users" },
          },
        },
        {
          width: 60,
          height,
          mark: { type: "boxplot", extent: "min-max", color },
          encoding: {
            y: { field: "change", type: "quantitative", title: null },
          },
        },
      ],
      resolve: { scale: { y: "shared" } },
    };
  });
  return {
    ...header("Fig. 5: Rank change of the test item under perturbation (ε = 0.1)", opts),
    data: { values },
    hconcat: rows,
    resolve: { scale: { y: "shared" } },
  } as TopLevelSpec;
}

function sweepSpec(
  points: readonly Json[],
  field: string,
  axisTitle: string,
  defaultTitle: string,
  opts: FigureOptions,
): TopLevelSpec {
  const values = points.map((p) => ({ ...p }));
  const scale = logScale(points.map((p) => p[field] as number));
  return {
    ...header(defaultTitle, opts),
    data: { values },
    hconcat: METRICS.map((m) => ({
      ...size(opts),
      title: m.title,
      mark: { type: "line", point: true },
      encoding: {
        x: {
          field,
          type: "quantitative",
          title: axisTitle,
          scale,
          axis: sweepAxis(points.map((p) => p[field] as number)),
        },
        y: { field: m.field, type: "quantitative", title: m.title, scale: { zero: false } },
      },
    })),
  } as TopLevelSpec;
}

/**
 * Figure 6: AMR's HR@10 and NDCG@10 over the training radius eps (log x axis).
 *
 * @param points one point per eps
 * @param opts dataset, title and panel size
 */
export function figure6Spec(
  points: readonly EpsPoint[],
  opts: FigureOptions = {},
): TopLevelSpec {
  return sweepSpec(
    points as unknown as Json[],
    "eps",
    "ε (log scale)",
    "Fig. 6: Performance of AMR w.r.t. ε",
    opts,
  );
}

/**
 * Figure 7: AMR's HR@10 and NDCG@10 over the adversarial weight lambda (log x axis).
 *
 * @param points one point per lambda
 * @param opts dataset, title and panel size
 */
export function figure7Spec(
  points: readonly LambdaPoint[],
  opts: FigureOptions = {},
): TopLevelSpec {
  return sweepSpec(
    points as unknown as Json[],
    "lambda",
    "λ (log scale)",
    "Fig. 7: Performance of AMR w.r.t. λ",
    opts,
  );
}

/** Inputs of all five figures; a missing entry is a figure not produced. */
export interface FigureData {
  /** Figure 3 inputs. */
  readonly figure3?: { curves: readonly CurvePoint[]; mfLevel: MetricLevel };
  /** Figure 4 inputs. */
  readonly figure4?: { points: readonly PerturbationPoint[]; clean: MetricLevel };
  /** Figure 5 inputs. */
  readonly figure5?: { rankChanges: readonly RankChange[] };
  /** Figure 6 inputs. */
  readonly figure6?: { points: readonly EpsPoint[] };
  /** Figure 7 inputs. */
  readonly figure7?: { points: readonly LambdaPoint[] };
}

/** Identifiers of the figures, in paper order. */
export const FIGURE_IDS = ["figure3", "figure4", "figure5", "figure6", "figure7"] as const;

/** One of {@link FIGURE_IDS}. */
export type FigureId = typeof FIGURE_IDS[number];

/**
 * The spec of one figure from its data, or undefined when its data is absent.
 *
 * @param id which figure
 * @param data inputs of the figures
 * @param opts dataset, title and panel size
 */
export function figureSpec(
  id: FigureId,
  data: FigureData,
  opts: FigureOptions = {},
): TopLevelSpec | undefined {
  switch (id) {
    case "figure3":
      return data.figure3 && figure3Spec(data.figure3.curves, data.figure3.mfLevel, opts);
    case "figure4":
      return data.figure4 && figure4Spec(data.figure4.points, data.figure4.clean, opts);
    case "figure5":
      return data.figure5 && figure5Spec(data.figure5.rankChanges, opts);
    case "figure6":
      return data.figure6 && figure6Spec(data.figure6.points, opts);
    case "figure7":
      return data.figure7 && figure7Spec(data.figure7.points, opts);
  }
}
