/**
 * Stage `tune-select`: picks the best run of a tuning grid by validation NDCG@10 (paper
 * sec. 4.1.4: hyper-parameters are chosen on the validation split, never on test) and writes
 * `chosen.json` (`stages/lib/chosen.ts`): the best run's hyper-parameters with `epochs` set to
 * its best evaluated epoch, every grid point's validation result, and the grid coordinates whose
 * chosen value sits on the edge of the values tried (a hint to widen the grid; the grid is not
 * widened automatically).
 *
 * Inputs: `run00` .. `run31`, the `train_summary.json` of each grid run, in the order of the
 * `runs` param. The engine wires a fixed set of input names, so a grid of fewer than 32 runs
 * wires the unused slots to its first run; they are never read.
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage.ts";
import { type Chosen, type ChosenValues, chosenValuesSchema } from "./lib/chosen.ts";
import { writeJson } from "./lib/model_outputs.ts";

/** Input slots of a selection (the largest grid it can take). */
export const MAX_GRID_RUNS = 32;

/** Input name of slot `k` (`run00`, `run01`, ...). */
export function runSlot(k: number): string {
  return `run${String(k).padStart(2, "0")}`;
}

const summarySchema = z.object({
  phase: z.literal("tune"),
  hyper: z.object({
    lr: z.tuple([z.number(), z.number(), z.number()]),
    regs: z.tuple([z.number(), z.number(), z.number()]),
    eps: z.number().optional(),
    lambda: z.number().optional(),
  }).passthrough(),
  best: z.object({
    epoch: z.number().int().min(0),
    hr10: z.number().nullable(),
    ndcg10: z.number().nullable(),
  }),
}).passthrough();

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
      const parsed = summarySchema.safeParse(JSON.parse(await Deno.readTextFile(path)));
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new Error(`${runs[k].label}: ${path}: field "${i.path.join(".")}": ${i.message}`);
      }
      const s = parsed.data;
      const values: ChosenValues = chosenValuesSchema.parse({
        epochs: Math.max(1, s.best.epoch),
        lr: s.hyper.lr,
        regs: s.hyper.regs,
        ...(s.hyper.eps === undefined ? {} : { eps: s.hyper.eps }),
        ...(s.hyper.lambda === undefined ? {} : { lambda: s.hyper.lambda }),
      });
      grid.push({
        label: runs[k].label,
        values,
        point: runs[k].point,
        bestEpoch: s.best.epoch,
        ndcg10: s.best.ndcg10 ?? NaN,
        hr10: s.best.hr10 ?? NaN,
      });
    }
    let best = 0;
    for (let k = 1; k < grid.length; k++) {
      if (grid[k].ndcg10 > grid[best].ndcg10 || Number.isNaN(grid[best].ndcg10)) best = k;
    }
    const b = grid[best];
    const onEdge = edgeCoordinates(grid.map((g) => g.point), b.point);
    const chosen: Chosen = {
      model,
      metric: "validation ndcg@10",
      source: `tune run ${b.label}`,
      values: b.values,
      best: b,
      grid,
      onEdge,
    };
    await writeJson(`${ctx.outDir}/chosen.json`, chosen);
    ctx.log(
      `${model}: best ${b.label} (epoch ${b.bestEpoch}, validation NDCG@10 ${
        b.ndcg10.toFixed(4)
      })` +
        (onEdge.length ? `; on the grid edge: ${onEdge.join(", ")}` : ""),
    );
    return { model, best: b.label, epoch: b.bestEpoch, ndcg10: b.ndcg10, onEdge };
  },
});
