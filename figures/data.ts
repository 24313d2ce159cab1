/**
 * The inputs of Figures 3-7 (`specs.ts`'s `FigureData`) from the files the pipeline writes:
 * training curves (`curve.csv`), an evaluation `summary.json`, `perturb-test`'s `figure4.json`
 * and rank changes, and the `sweep` stage's `sweep.json`.
 *
 * @module
 */
import type { CurveRow } from "../io/curve.ts";
import type {
  CurvePoint,
  EpsPoint,
  LambdaPoint,
  MetricLevel,
  PerturbationPoint,
  RankChange,
} from "./specs.ts";

/** Evaluated rows of a training curve as Figure 3 points of one model. */
export function curvePoints(model: string, rows: readonly CurveRow[]): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const r of rows) {
    if (r.hr10 === null || r.ndcg10 === null) continue;
    out.push({ model, epoch: r.epoch, hr10: r.hr10, ndcg10: r.ndcg10 });
  }
  return out;
}

/** HR@10 and NDCG@10 over all users of an evaluation node's `summary.json`. */
export function summaryLevel(summary: unknown, source = "summary.json"): MetricLevel {
  const v = (summary as { overall?: { values?: Record<string, number> } }).overall?.values;
  const hr10 = v?.["hr@10"];
  const ndcg10 = v?.["ndcg@10"];
  if (typeof hr10 !== "number" || typeof ndcg10 !== "number") {
    throw new Error(`${source}: expected overall.values["hr@10"] and ["ndcg@10"]`);
  }
  return { hr10, ndcg10 };
}

/** Figure 4 data from `figure4.json`, only the kinds the figure shows (rand, grad). */
export function perturbationPoints(fig4: {
  clean: MetricLevel;
  points: readonly { kind: string; eps: number; hr10: number; ndcg10: number }[];
}): { points: PerturbationPoint[]; clean: MetricLevel } {
  const points: PerturbationPoint[] = [];
  for (const p of fig4.points) {
    if (p.kind !== "rand" && p.kind !== "grad") continue;
    points.push({ kind: p.kind, eps: p.eps, hr10: p.hr10, ndcg10: p.ndcg10 });
  }
  return { points, clean: { hr10: fig4.clean.hr10, ndcg10: fig4.clean.ndcg10 } };
}

/** Figure 5 entries of one model from its per-user changes (NaN = no target, skipped). */
export function rankChangeEntries(model: string, changes: Float32Array): RankChange[] {
  const out: RankChange[] = [];
  for (const c of changes) if (!Number.isNaN(c)) out.push({ model, change: c });
  return out;
}

/** A sweep's points (`sweep.json`) as Figure 6 (eps) points. */
export function epsPoints(
  sweep: { points: readonly { value: number; hr10: number; ndcg10: number }[] },
): EpsPoint[] {
  return sweep.points.map((p) => ({ eps: p.value, hr10: p.hr10, ndcg10: p.ndcg10 }));
}

/** A sweep's points (`sweep.json`) as Figure 7 (lambda) points. */
export function lambdaPoints(
  sweep: { points: readonly { value: number; hr10: number; ndcg10: number }[] },
): LambdaPoint[] {
  return sweep.points.map((p) => ({ lambda: p.value, hr10: p.hr10, ndcg10: p.ndcg10 }));
}
