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
import {
  extentOf,
  type FigureOptions,
  header,
  type Json,
  logScale,
  METRICS,
  modelColorScale,
  referenceLine,
  size,
  sweepAxis,
  uniqueModels,
} from "./parts.ts";
import type { FigureId } from "./registry.ts";
import { methodColor } from "../config/methods.ts";

export type { FigureOptions };

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

/**
 * Figure 3: test HR@10 and NDCG@10 every `evalEvery` epochs of AMR and of VBPR continued from the same
 * VBPR weights, with pretrained MF-BPR as a dashed reference line.
 *
 * @param curves one point per model and evaluated epoch
 * @param mfLevel MF-BPR's HR@10 and NDCG@10 (the reference line)
 * @param opts the run's settings (title), dataset and panel size
 */
export function figure3Spec(
  curves: readonly CurvePoint[],
  mfLevel: MetricLevel,
  opts: FigureOptions,
): TopLevelSpec {
  const values = curves.map((c) => ({ ...c }));
  const colors = modelColorScale(curves.map((c) => c.model));
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
          color: { field: "model", type: "nominal", title: "Model", scale: colors },
          shape: { field: "model", type: "nominal", title: "Model" },
        },
      },
      ...referenceLine("MF-BPR", mfLevel[m.field]),
    ],
  }));
  return {
    ...header("figure3", opts),
    hconcat: panels,
  } as TopLevelSpec;
}

/**
 * Figure 4: VBPR's HR@10 and NDCG@10 under random (VBPR-rand) and adversarial (VBPR-grad)
 * perturbations of the image features over eps, unperturbed VBPR as a dashed line.
 *
 * @param points one point per kind and eps
 * @param clean unperturbed VBPR
 * @param opts the run's settings (title), dataset and panel size
 */
export function figure4Spec(
  points: readonly PerturbationPoint[],
  clean: MetricLevel,
  opts: FigureOptions,
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
    ...header("figure4", opts),
    hconcat: panels,
  } as TopLevelSpec;
}

/**
 * Figure 5: the per-user rank change at the profile's `rankEps` for VBPR and AMR. One row per model: the
 * distribution of the changes (a horizontal histogram) with its box plot on the right, as in
 * the paper, where "the boxplots represent the statistical distributions at the left side of
 * them". Whiskers span min to max, so no per-user outlier marks are drawn.
 *
 * @param rankChanges one entry per model and user
 * @param opts the run's settings (title), dataset and panel size
 */
export function figure5Spec(
  rankChanges: readonly RankChange[],
  opts: FigureOptions,
): TopLevelSpec {
  const values = rankChanges.map((r) => ({ model: r.model, change: r.change }));
  const height = (opts.panelHeight ?? 200) + 60;
  const yTitle = "Rank change (> 0: worse)";
  const [lo, hi] = extentOf(rankChanges.map((r) => r.change));
  const extent = [lo, Math.max(hi, lo + 1)];
  const models = uniqueModels(rankChanges);
  const rows = models.map((model) => {
    const color = methodColor(model);
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
    ...header("figure5", opts),
    data: { values },
    hconcat: rows,
    resolve: { scale: { y: "shared" } },
  } as TopLevelSpec;
}

function sweepSpec(
  id: FigureId,
  points: readonly Json[],
  axis: { field: string; title: string },
  opts: FigureOptions,
): TopLevelSpec {
  const { field, title: axisTitle } = axis;
  const values = points.map((p) => ({ ...p }));
  const scale = logScale(points.map((p) => p[field] as number));
  return {
    ...header(id, opts),
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
 * @param opts the run's settings (title), dataset and panel size
 */
export function figure6Spec(
  points: readonly EpsPoint[],
  opts: FigureOptions,
): TopLevelSpec {
  return sweepSpec("figure6", points as unknown as Json[], {
    field: "eps",
    title: "ε (log scale)",
  }, opts);
}

/**
 * Figure 7: AMR's HR@10 and NDCG@10 over the adversarial weight lambda (log x axis).
 *
 * @param points one point per lambda
 * @param opts the run's settings (title), dataset and panel size
 */
export function figure7Spec(
  points: readonly LambdaPoint[],
  opts: FigureOptions,
): TopLevelSpec {
  return sweepSpec("figure7", points as unknown as Json[], {
    field: "lambda",
    title: "λ (log scale)",
  }, opts);
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

/**
 * The spec of one figure from its data, or undefined when its data is absent.
 *
 * @param id which figure
 * @param data inputs of the figures
 * @param opts the run's settings (title), dataset and panel size
 */
export function figureSpec(
  id: FigureId,
  data: FigureData,
  opts: FigureOptions,
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
