/**
 * Stage `tune-select`: picks the best run of a tuning grid by validation NDCG@10 (paper
 * sec. 4.1.4: hyper-parameters are chosen on the validation split, never on test) and writes
 * `chosen.json` (`stages/lib/chosen.ts`): the best run's hyper-parameters with `epochs` set to
 * its best evaluated epoch after the start (MF-eALS: c0 and reg only; its runs are evaluated
 * after the last sweep alone, so the sweep count is not chosen), every grid point's validation
 * result, and how the grid was widened. Epoch 0 is never a candidate: it is the run's start
 * (for VBPR and AMR another model's weights); runs are ranked by their best trained epoch, and
 * when the chosen run's trained epochs never beat its start, `chosen.json` says so
 * (`startNote`, `source`) rather than training a silent 1 epoch.
 *
 * Widening ("if the optimal value was found in the boundary, we further extend the boundary"):
 * the planner adds, per coordinate and side, up to `tune.widen` extension points beyond the base
 * grid, each its own cached run (plan/tune.ts). The selection first considers the base
 * grid only; while the best sits on the smallest (largest) value of a coordinate considered so
 * far and a further step on that side was planned, it takes that step's runs into account and
 * picks again ({@link selectWidened}). Extension runs of a side the best never reached are read
 * but not considered. `chosen.json` records the steps taken and whether the best still sits on
 * the widened edge.
 *
 * Each grid entry of `chosen.json` also records where the run stopped and why (`stopped`:
 * all its epochs, early stopping, or successive halving), read from its summary.
 *
 * Inputs: `run00` .. `run63`, the `train_summary.json` of each grid run, in the order of the
 * `runs` param. The engine wires a fixed set of input names, so a grid of fewer than 64 runs
 * wires the unused slots to its first run; they are never read.
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import {
  type Chosen,
  type ChosenValues,
  chosenValuesSchema,
  type GridResult,
  NO_GAIN,
  type Widening,
} from "./lib/chosen.ts";
import { writeJson } from "../io/json.ts";
import { MAX_GRID_RUNS, readRunSummary, runSlot, type RunSummary } from "./lib/grid_runs.ts";
import { fmt } from "../tables/numbers.ts";

/**
 * The values a run's summary offers its final node: MF-eALS's c0 and reg (its sweep count
 * stays the profile's), else the BPR model's lr and regs (AMR: eps and lambda) with `epochs`
 * set to the run's candidate epoch (`candidateEpoch` in stages/lib/grid_runs.ts, never 0).
 *
 * @throws Error (zod) when the summary has neither form
 */
export function chosenValues(s: RunSummary, epoch: number): ChosenValues {
  const h = s.hyper;
  const defined = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  if (h.c0 !== undefined) return chosenValuesSchema.parse({ c0: h.c0, reg: h.reg });
  return chosenValuesSchema.parse(defined({
    epochs: epoch,
    lr: h.lr,
    regs: h.regs,
    eps: h.eps,
    lambda: h.lambda,
    init: h.init,
  }));
}

/** Coordinates whose chosen value is the smallest or largest of at least two values tried. */
export function edgeCoordinates(
  points: readonly Record<string, number>[],
  chosen: Record<string, number>,
): string[] {
  const out: string[] = [];
  for (const [name, v] of Object.entries(chosen)) {
    const values = [...new Set(points.map((p) => p[name]))];
    if (values.length < 2) continue;
    if (v === Math.min(...values) || v === Math.max(...values)) out.push(name);
  }
  return out;
}

/** Side of a widening step. */
export type Side = "below" | "above";

/** A widening point's place: coordinate, side of the base grid, step (1 = next to it). */
export interface Extension {
  coord: string;
  side: Side;
  step: number;
}

/** What {@link selectWidened} needs of a run. */
export interface ScoredPoint {
  point: Record<string, number>;
  ndcg10: number;
  extension?: Extension;
}

/** Result of {@link selectWidened}. */
export interface WidenedSelection {
  /** Index of the best considered run. */
  best: number;
  /** Per run, whether it was considered. */
  considered: boolean[];
  /** Per coordinate of the base grid with at least two values, and side. */
  widening: Widening[];
  /** One plain sentence per coordinate and side worth mentioning. */
  note: string;
}

const SIDES: readonly Side[] = ["below", "above"];

function distinct(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/**
 * Picks the best run by validation NDCG@10, widening the grid while the best sits on its edge:
 * starts with the base runs (no `extension`); while the best's value of a coordinate is the
 * smallest (largest) considered and the next step below (above) exists, adds that step's runs
 * and picks again. A NaN NDCG loses to any number.
 */
export function selectWidened(runs: readonly ScoredPoint[]): WidenedSelection {
  const key = (coord: string, side: Side) => `${coord}:${side}`;
  const planned = new Map<string, number>();
  for (const r of runs) {
    if (!r.extension) continue;
    const k = key(r.extension.coord, r.extension.side);
    planned.set(k, Math.max(planned.get(k) ?? 0, r.extension.step));
  }
  const used = new Map<string, number>();
  const isConsidered = (r: ScoredPoint) =>
    !r.extension || r.extension.step <= (used.get(key(r.extension.coord, r.extension.side)) ?? 0);
  const base = runs.filter((r) => !r.extension);
  if (base.length === 0) throw new Error("tune-select: no base grid run");
  const coords = Object.keys(base[0].point).filter((c) =>
    distinct(base.map((r) => r.point[c])).length >= 2
  );
  const pick = (): number => {
    let best = -1;
    for (let k = 0; k < runs.length; k++) {
      if (!isConsidered(runs[k])) continue;
      if (
        best < 0 || runs[k].ndcg10 > runs[best].ndcg10 ||
        (Number.isNaN(runs[best].ndcg10) && !Number.isNaN(runs[k].ndcg10))
      ) best = k;
    }
    return best;
  };
  const edgeOf = (coord: string, side: Side): number => {
    const values = distinct(runs.filter(isConsidered).map((r) => r.point[coord]));
    return side === "below" ? values[0] : values[values.length - 1];
  };
  let best = pick();
  for (;;) {
    let changed = false;
    for (const coord of coords) {
      for (const side of SIDES) {
        const k = key(coord, side);
        const step = (used.get(k) ?? 0) + 1;
        if (runs[best].point[coord] === edgeOf(coord, side) && step <= (planned.get(k) ?? 0)) {
          used.set(k, step);
          changed = true;
        }
      }
    }
    if (!changed) break;
    best = pick();
  }
  const widening: Widening[] = [];
  const sentences: string[] = [];
  const b = runs[best].point;
  for (const coord of coords) {
    for (const side of SIDES) {
      const k = key(coord, side);
      const n = used.get(k) ?? 0;
      const p = planned.get(k) ?? 0;
      const values = distinct(
        runs.filter((r) =>
          r.extension?.coord === coord && r.extension.side === side && r.extension.step <= n
        ).map((r) => r.point[coord]),
      );
      const stillOnEdge = b[coord] === edgeOf(coord, side);
      widening.push({ coord, side, planned: p, used: n, values, stillOnEdge });
      const steps = `${n} step${n === 1 ? "" : "s"}`;
      if (stillOnEdge && n > 0) {
        sentences.push(`${coord}=${b[coord]} still on the edge after widening by ${steps} ${side}`);
      } else if (stillOnEdge) {
        sentences.push(
          `${coord}=${b[coord]} on the ${side} edge, not widened (${
            side === "below" && b[coord] <= 0 ? "no smaller value" : "no widening planned"
          })`,
        );
      } else if (n > 0) {
        sentences.push(`${coord} widened ${side} by ${steps}; the best is inside`);
      }
    }
  }
  return {
    best,
    considered: runs.map(isConsidered),
    widening,
    note: sentences.length ? sentences.join("; ") + "." : "Best inside the base grid; not widened.",
  };
}

/**
 * The sentence `chosen.json` carries when the chosen run's best trained epoch does not beat
 * its start (epoch 0); null when it does or the start is unknown.
 */
export function noGainNote(b: GridResult): string | null {
  if (b.beatsStart !== false || !b.start) return null;
  return `${NO_GAIN}: ${b.label} scored validation NDCG@10 ${fmt(b.start.ndcg10)} at epoch 0 ` +
    `(its starting weights) and at best ${fmt(b.ndcg10)} after training (epoch ${b.bestEpoch}); ` +
    `epoch 0 is not a candidate, so the final run trains ${b.bestEpoch} epoch${
      b.bestEpoch === 1 ? "" : "s"
    } although training did not improve on its start on validation.`;
}

/** The tune-select stage. */
export const stage = defineStage({
  name: "tune-select",
  module: import.meta.url,
  params: z.object({
    /** Model tuned. */
    model: z.string(),
    /** Grid runs in slot order: node id and the coordinates varied. */
    runs: z.array(
      z.object({
        label: z.string(),
        point: z.record(z.string(), z.number()),
        /** Set for a widening point (beyond the base grid). */
        extension: z.object({
          coord: z.string(),
          side: z.enum(["below", "above"]),
          step: z.number().int().min(1),
        }).strict().optional(),
      }).strict(),
    ).min(1).max(MAX_GRID_RUNS),
  }).strict(),
  inputs: Array.from({ length: MAX_GRID_RUNS }, (_, k) => runSlot(k)),
  outputs: ["chosen.json"],
  async run(ctx): Promise<Record<string, unknown>> {
    const { model, runs } = ctx.params;
    const grid: Chosen["grid"] = [];
    for (let k = 0; k < runs.length; k++) {
      const path = ctx.inputs[runSlot(k)];
      const { summary: s, at } = await readRunSummary(runs[k].label, path);
      let values: ChosenValues;
      try {
        values = chosenValues(s, at.epoch);
      } catch (e) {
        const i = e instanceof z.ZodError ? e.issues[0] : null;
        throw new Error(
          `${runs[k].label}: ${path}: field "hyper": ${i ? i.message : (e as Error).message}`,
        );
      }
      const ndcg10 = at.ndcg10 ?? NaN;
      const start = s.start && s.start.ndcg10 !== null
        ? { ndcg10: s.start.ndcg10, hr10: s.start.hr10 ?? NaN }
        : undefined;
      grid.push({
        label: runs[k].label,
        values,
        point: runs[k].point,
        bestEpoch: at.epoch,
        ndcg10,
        hr10: at.hr10 ?? NaN,
        ...(start ? { start, beatsStart: ndcg10 > start.ndcg10 } : {}),
        ...(runs[k].extension ? { extension: runs[k].extension } : {}),
        ...(s.stopped ? { stopped: { ...s.stopped, patience: s.patience ?? null } } : {}),
      });
    }
    const sel = selectWidened(grid);
    grid.forEach((g, k) => (g.considered = sel.considered[k]));
    const b = grid[sel.best];
    const onEdge = edgeCoordinates(
      grid.filter((_, k) => sel.considered[k]).map((g) => g.point),
      b.point,
    );
    const startNote = noGainNote(b);
    const chosen: Chosen = {
      model,
      metric: "validation ndcg@10",
      source: `tune run ${b.label}${startNote ? ` (${NO_GAIN})` : ""}`,
      ...(startNote ? { startNote } : {}),
      values: b.values,
      best: b,
      grid,
      onEdge,
      widening: sel.widening,
      wideningNote: sel.note,
    };
    await writeJson(`${ctx.outDir}/chosen.json`, chosen);
    ctx.log(
      `${model}: best ${b.label} (epoch ${b.bestEpoch}, validation NDCG@10 ${fmt(b.ndcg10)})` +
        `; ${sel.note}${startNote ? ` ${startNote}` : ""}`,
    );
    return {
      model,
      best: b.label,
      epoch: b.bestEpoch,
      ndcg10: b.ndcg10,
      onEdge,
      widening: sel.note,
      ...(startNote ? { beatsStart: false } : {}),
    };
  },
});
