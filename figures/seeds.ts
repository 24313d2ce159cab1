/**
 * Vega-Lite specs of Figures 3-7 across seeds (`--seeds N`), one function per figure, from
 * plain data: each plotted quantity is given as its mean over seeds, an interval (`lo`, `hi`)
 * and the per-seed values (`report/seeds_figures.ts` computes them).
 *
 * - Figure 3: the mean curve per model with the interval as a band; each seed's points as dots.
 * - Figures 4, 6 and 7: the mean per point with the interval as error bars; each seed as a dot.
 * - Figure 5: one box plot per seed and model of the per-user rank changes (whiskers min to
 *   max). Users are not pooled across seeds: each box is one seed's distribution.
 *
 * Reference lines (MF-BPR in Figure 3, clean VBPR in Figure 4) sit at the mean over seeds.
 * {@link seedsFigureSpec} writes how the seeds are combined into each figure's subtitle.
 *
 * @module
 */

import type { TopLevelSpec } from "vega-lite";
import {
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
import { methodColor, OURS } from "../config/methods.ts";

/** One quantity over seeds: its mean, an interval around it and the per-seed values. */
export interface Spread {
  /** Mean over seeds. */
  readonly mean: number;
  /** Lower bound of the interval. */
  readonly lo: number;
  /** Upper bound of the interval. */
  readonly hi: number;
  /** Per-seed values, in seed order. */
  readonly values: readonly number[];
}

/** HR@10 and NDCG@10 over seeds. */
export interface MetricSpread {
  /** HR@10. */
  readonly hr10: Spread;
  /** NDCG@10. */
  readonly ndcg10: Spread;
}

/** One evaluated epoch of one model's training curve over seeds (Figure 3). */
export interface CurveSpread extends MetricSpread {
  /** "AMR" or "VBPR". */
  readonly model: string;
  /** Epochs after the shared starting point. */
  readonly epoch: number;
}

/** VBPR under one perturbation over seeds (Figure 4). */
export interface PerturbationSpread extends MetricSpread {
  /** "rand" or "grad". */
  readonly kind: "rand" | "grad";
  /** L2 radius of the perturbation per item. */
  readonly eps: number;
}

/** One model's per-user rank changes in one seed (Figure 5). */
export interface SeedRankChanges {
  /** "VBPR" or "AMR". */
  readonly model: string;
  /** The replicate's root seed. */
  readonly seed: number;
  /** Rank with perturbation minus rank without, one per user with a target. */
  readonly changes: readonly number[];
}

/** AMR over seeds at one training eps (Figure 6). */
export interface EpsSpread extends MetricSpread {
  /** Adversarial radius eps used in training. */
  readonly eps: number;
}

/** AMR over seeds at one lambda (Figure 7). */
export interface LambdaSpread extends MetricSpread {
  /** Weight lambda of the adversarial loss in training. */
  readonly lambda: number;
}

/** Inputs of Figures 3-7 across seeds; a missing entry is a figure not produced. */
export interface SeedsFigureData {
  /** Root seed of each replicate, in the order of every `values` array. */
  readonly seeds: readonly number[];
  /** What `lo` and `hi` are (e.g. "95% Student-t interval of the mean over seeds"). */
  readonly interval: string;
  /** Figure 3 inputs. */
  readonly figure3?: { curves: readonly CurveSpread[]; mfLevel: MetricSpread };
  /** Figure 4 inputs. */
  readonly figure4?: { points: readonly PerturbationSpread[]; clean: MetricSpread };
  /** Figure 5 inputs: per model and seed. */
  readonly figure5?: { rankChanges: readonly SeedRankChanges[] };
  /** Figure 6 inputs. */
  readonly figure6?: { points: readonly EpsSpread[] };
  /** Figure 7 inputs. */
  readonly figure7?: { points: readonly LambdaSpread[] };
}

/** Mean and bounds of both metrics as flat fields (`hr10`, `hr10Lo`, `hr10Hi`, ...). */
function flat(p: MetricSpread): Json {
  return Object.fromEntries(
    METRICS.flatMap((m) => [
      [m.field, p[m.field].mean],
      [`${m.field}Lo`, p[m.field].lo],
      [`${m.field}Hi`, p[m.field].hi],
    ]),
  );
}

/** One row per seed: `keys` plus that seed's `hr10` and `ndcg10`. */
function perSeed(points: readonly MetricSpread[], keys: (p: MetricSpread) => Json): Json[] {
  return points.flatMap((p) =>
    p.hr10.values.map((_, s) => ({
      ...keys(p),
      seed: s,
      hr10: p.hr10.values[s],
      ndcg10: p.ndcg10.values[s],
    }))
  );
}

type Field = "hr10" | "ndcg10";

/** A log (or symlog) x axis over swept values, padded so edge error bars are not clipped. */
function sweptX(field: string, title: string, swept: readonly number[]): Json {
  return {
    field,
    type: "quantitative",
    title,
    scale: { ...logScale(swept), padding: 16 },
    axis: sweepAxis(swept),
  };
}

function y(field: string, title: string): Json {
  return { field, type: "quantitative", title, scale: { zero: false } };
}

/** Colour of a figure with one series: AMR's (Figures 6 and 7 sweep AMR). */
const SINGLE_SERIES_COLOR = methodColor(OURS.key);

/** The interval as error bars (pre-computed bounds) at each x. */
/** The encoding of a spread layer: x, the metric field and its title, a colour by series. */
interface SpreadEncoding {
  /** The x encoding. */
  readonly x: Json;
  /** The metric plotted. */
  readonly m: Field;
  /** Its axis title. */
  readonly title: string;
  /** Colour by series (absent: one series in AMR's colour). */
  readonly color?: Json;
}

function errorBars(values: readonly Json[], enc: SpreadEncoding): Json {
  const { x, m, title, color } = enc;
  return {
    data: { values },
    mark: { type: "errorbar", ticks: true, ...(color ? {} : { color: SINGLE_SERIES_COLOR }) },
    encoding: {
      x,
      y: y(`${m}Lo`, title),
      y2: { field: `${m}Hi` },
      ...(color ? { color: color } : {}),
    },
  };
}

/** Each seed's value as a small hollow dot. */
function seedDots(values: readonly Json[], enc: SpreadEncoding): Json {
  const { x, m, title, color } = enc;
  return {
    data: { values },
    mark: {
      type: "point",
      size: 16,
      opacity: 0.6,
      ...(color ? {} : { color: SINGLE_SERIES_COLOR }),
    },
    encoding: { x, y: y(m, title), ...(color ? { color: color } : {}) },
  };
}

/**
 * The HR@10 and NDCG@10 panels of a figure with several series over x (Figures 3 and 4): per
 * series the mean as a line with points, the interval as a band or as error bars, each seed as a
 * dot, and a reference level's mean as a dashed line.
 */
function seriesPanels(p: {
  values: readonly Json[];
  seeds: readonly Json[];
  x: Json;
  series: { field: string; type: string; title: string; scale?: Json };
  spread: "band" | "errorbar";
  reference: { label: string; level: MetricSpread };
  opts: FigureOptions;
}): Json[] {
  const { values, x, series } = p;
  // The series' colour scale (if any) is not a shape scale.
  const shape = { field: series.field, type: series.type, title: series.title };
  return METRICS.map((m) => ({
    ...size(p.opts),
    title: m.title,
    layer: [
      p.spread === "band"
        ? {
          data: { values },
          mark: { type: "area", opacity: 0.2 },
          encoding: {
            x,
            y: y(`${m.field}Lo`, m.title),
            y2: { field: `${m.field}Hi` },
            color: series,
          },
        }
        : errorBars(values, { x, m: m.field, title: m.title, color: series }),
      {
        data: { values },
        mark: { type: "line", point: true },
        encoding: { x, y: y(m.field, m.title), color: series, shape },
      },
      seedDots(p.seeds, { x, m: m.field, title: m.title, color: series }),
      ...referenceLine(p.reference.label, p.reference.level[m.field].mean),
    ],
  }));
}

/**
 * Figure 3 across seeds: per model the mean HR@10 / NDCG@10 curve over epochs with the interval
 * as a band and each seed's evaluations as dots; MF-BPR's mean level as a dashed line.
 *
 * @param curves one entry per model and evaluated epoch
 * @param mfLevel MF-BPR's HR@10 and NDCG@10 over seeds
 * @param opts the run's settings (title), dataset, notes and panel size
 */
export function figure3SeedsSpec(
  curves: readonly CurveSpread[],
  mfLevel: MetricSpread,
  opts: FigureOptions,
): TopLevelSpec {
  const values = curves.map((c) => ({ model: c.model, epoch: c.epoch, ...flat(c) }));
  const seeds = perSeed(curves, (p) => {
    const c = p as CurveSpread;
    return { model: c.model, epoch: c.epoch };
  });
  const x = { field: "epoch", type: "quantitative", title: "Epoch" };
  const color = {
    field: "model",
    type: "nominal",
    title: "Model",
    scale: modelColorScale(curves.map((c) => c.model)),
  };
  const panels = seriesPanels({
    values,
    seeds,
    x,
    series: color,
    spread: "band",
    reference: { label: "MF-BPR (mean)", level: mfLevel },
    opts,
  });
  return {
    ...header("figure3", opts),
    hconcat: panels,
  } as unknown as TopLevelSpec;
}

/**
 * Figure 4 across seeds: VBPR's mean HR@10 / NDCG@10 under random and adversarial perturbations
 * per eps with the interval as error bars and each seed as a dot; clean VBPR's mean as a line.
 *
 * @param points one entry per kind and eps
 * @param clean unperturbed VBPR over seeds
 * @param opts the run's settings (title), dataset, notes and panel size
 */
export function figure4SeedsSpec(
  points: readonly PerturbationSpread[],
  clean: MetricSpread,
  opts: FigureOptions,
): TopLevelSpec {
  const series = (p: PerturbationSpread) => `VBPR-${p.kind}`;
  const values = points.map((p) => ({ series: series(p), eps: p.eps, ...flat(p) }));
  const seeds = perSeed(points, (p) => {
    const q = p as PerturbationSpread;
    return { series: series(q), eps: q.eps };
  });
  const eps = points.map((p) => p.eps);
  const x = sweptX("eps", "ε (perturbation radius, log scale)", eps);
  const color = { field: "series", type: "nominal", title: "Perturbation" };
  const panels = seriesPanels({
    values,
    seeds,
    x,
    series: color,
    spread: "errorbar",
    reference: { label: "VBPR (clean, mean)", level: clean },
    opts,
  });
  return {
    ...header("figure4", opts),
    hconcat: panels,
  } as unknown as TopLevelSpec;
}

/**
 * Figure 5 across seeds: per model, one box plot of the per-user rank changes per seed (whiskers
 * min to max), side by side on a shared axis. Users are not pooled across seeds.
 *
 * @param rankChanges one entry per model and seed
 * @param opts the run's settings (title), dataset, notes and panel size
 */
export function figure5SeedsSpec(
  rankChanges: readonly SeedRankChanges[],
  opts: FigureOptions,
): TopLevelSpec {
  const values = rankChanges.flatMap((r) =>
    r.changes.map((change) => ({ model: r.model, seed: `seed ${r.seed}`, change }))
  );
  const models = uniqueModels(rankChanges);
  const seedCount = new Set(rankChanges.map((r) => r.seed)).size;
  const height = (opts.panelHeight ?? 200) + 60;
  const panels = models.map((model) => ({
    title: model,
    width: Math.max(120, 50 * seedCount),
    height,
    transform: [{ filter: { field: "model", equal: model } }],
    mark: { type: "boxplot", extent: "min-max", color: methodColor(model) },
    encoding: {
      x: { field: "seed", type: "nominal", title: "Seed", sort: null, axis: { labelAngle: 0 } },
      y: { field: "change", type: "quantitative", title: "Rank change (> 0: worse)" },
    },
  }));
  return {
    ...header("figure5", opts),
    data: { values },
    hconcat: panels,
    resolve: { scale: { y: "shared" } },
  } as unknown as TopLevelSpec;
}

function sweepSeedsSpec(
  id: FigureId,
  points: readonly (MetricSpread & Json)[],
  axis: { field: "eps" | "lambda"; title: string },
  opts: FigureOptions,
): TopLevelSpec {
  const { field, title: axisTitle } = axis;
  const values = points.map((p) => ({ [field]: p[field], ...flat(p) }));
  const seeds = perSeed(points, (p) => ({ [field]: (p as unknown as Json)[field] }));
  const swept = points.map((p) => p[field] as number);
  const x = sweptX(field, axisTitle, swept);
  return {
    ...header(id, opts),
    hconcat: METRICS.map((m) => ({
      ...size(opts),
      title: m.title,
      layer: [
        errorBars(values, { x, m: m.field, title: m.title }),
        {
          data: { values },
          mark: { type: "line", point: true },
          encoding: { x, y: y(m.field, m.title) },
        },
        seedDots(seeds, { x, m: m.field, title: m.title }),
      ],
    })),
  } as unknown as TopLevelSpec;
}

/**
 * Figure 6 across seeds: AMR's mean HR@10 / NDCG@10 over the training radius eps (log x axis)
 * with the interval as error bars and each seed as a dot.
 *
 * @param points one entry per eps
 * @param opts the run's settings (title), dataset, notes and panel size
 */
export function figure6SeedsSpec(
  points: readonly EpsSpread[],
  opts: FigureOptions,
): TopLevelSpec {
  return sweepSeedsSpec("figure6", points as unknown as (MetricSpread & Json)[], {
    field: "eps",
    title: "ε (log scale)",
  }, opts);
}

/**
 * Figure 7 across seeds: AMR's mean HR@10 / NDCG@10 over lambda (log x axis) with the interval
 * as error bars and each seed as a dot.
 *
 * @param points one entry per lambda
 * @param opts the run's settings (title), dataset, notes and panel size
 */
export function figure7SeedsSpec(
  points: readonly LambdaSpread[],
  opts: FigureOptions,
): TopLevelSpec {
  return sweepSeedsSpec("figure7", points as unknown as (MetricSpread & Json)[], {
    field: "lambda",
    title: "λ (log scale)",
  }, opts);
}

/**
 * How the seeds are combined in one figure, as subtitle lines.
 *
 * @param id which figure
 * @param data the seeds and what the interval is
 */
export function spreadNotes(id: FigureId, data: SeedsFigureData): string[] {
  const seeds = `${data.seeds.length} seeds (${data.seeds.join(", ")})`;
  if (id === "figure5") {
    return [
      `${seeds}: one box per seed (whiskers min to max); users are not pooled across seeds`,
    ];
  }
  const marks = id === "figure3" ? "band" : "error bars";
  return [`${seeds}: line = mean over seeds, dots = single seeds`, `${marks}: ${data.interval}`];
}

/**
 * The across-seeds spec of one figure, its subtitle saying how seeds are combined, or undefined
 * when its data is absent.
 *
 * @param id which figure
 * @param data inputs of the figures across seeds
 * @param opts the run's settings (title), dataset and panel size (notes are added after
 *   `opts.notes`)
 */
export function seedsFigureSpec(
  id: FigureId,
  data: SeedsFigureData,
  opts: FigureOptions,
): TopLevelSpec | undefined {
  const o = { ...opts, notes: [...(opts.notes ?? []), ...spreadNotes(id, data)] };
  switch (id) {
    case "figure3":
      return data.figure3 && figure3SeedsSpec(data.figure3.curves, data.figure3.mfLevel, o);
    case "figure4":
      return data.figure4 && figure4SeedsSpec(data.figure4.points, data.figure4.clean, o);
    case "figure5":
      return data.figure5 && figure5SeedsSpec(data.figure5.rankChanges, o);
    case "figure6":
      return data.figure6 && figure6SeedsSpec(data.figure6.points, o);
    case "figure7":
      return data.figure7 && figure7SeedsSpec(data.figure7.points, o);
  }
}
