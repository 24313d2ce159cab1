/**
 * What the grid stages read of a tuning run (stages/tune-select.ts, stages/tune-halve.ts): the
 * fixed input slots a grid is wired to, the part of a run's `train_summary.json` they read, and
 * the epoch a run offers (never its start).
 *
 * @module
 */
import { z } from "zod";
import { stoppedSchema } from "./chosen.ts";
import {
  amrAdversarySchema,
  duifInitSchema,
  ealsModelSchema,
  lrRegsSchema,
} from "../../config/profile.ts";

/** Input slots of a selection (the largest grid it can take). */
export const MAX_GRID_RUNS = 64;

/** Input name of slot `k` (`run00`, `run01`, ...). */
export function runSlot(k: number): string {
  return `run${String(k).padStart(2, "0")}`;
}

/**
 * What the selection reads of a tuning run's `train_summary.json`: the hyper-parameters it
 * used (a BPR model's lr and regs, AMR's eps and lambda, or MF-eALS's c0 and reg) and its best
 * evaluated epoch on validation (MF-eALS: its last sweep, the only one evaluated).
 */
export const summarySchema = z.object({
  phase: z.literal("tune"),
  hyper: z.object({
    lr: lrRegsSchema.shape.lr.optional(),
    regs: lrRegsSchema.shape.regs.optional(),
    eps: amrAdversarySchema.shape.eps.optional(),
    lambda: amrAdversarySchema.shape.lambda.optional(),
    c0: ealsModelSchema.shape.c0.optional(),
    reg: ealsModelSchema.shape.reg.optional(),
    init: duifInitSchema.optional(),
  }).passthrough(),
  best: z.object({
    epoch: z.number().int().min(0),
    hr10: z.number().nullable(),
    ndcg10: z.number().nullable(),
  }),
  /** Epoch 0, before training (BPR models: stages/lib/bpr_stage.ts). */
  start: z.object({
    epoch: z.literal(0),
    hr10: z.number().nullable(),
    ndcg10: z.number().nullable(),
  }).optional(),
  /** The best evaluated epoch after the start (null: none evaluated). */
  bestTrained: z.object({
    epoch: z.number().int().min(1),
    hr10: z.number().nullable(),
    ndcg10: z.number().nullable(),
  }).nullable().optional(),
  /** The patience the run had (BPR models; null: none). */
  patience: z.number().int().min(1).nullable().optional(),
  /** Where and why the run ended (BPR models). */
  stopped: stoppedSchema.omit({ patience: true }).optional(),
}).passthrough();

/** A tuning run's summary as the selection reads it. */
export type RunSummary = z.infer<typeof summarySchema>;

/** A run's result at one evaluated epoch. */
export interface EpochResult {
  epoch: number;
  hr10: number | null;
  ndcg10: number | null;
}

/**
 * The epoch a selection may choose of a run: MF-eALS's `best` (its sweep count is not
 * chosen), else the best evaluated epoch after the start (`bestTrained`, or `best` when that is
 * past epoch 0). Epoch 0 is never a candidate: it is the run's start (random weights, or for
 * VBPR, AMR and DUIF from MF the weights of another model), not a trained setting.
 *
 * @throws Error when a BPR run has no evaluated epoch after the start
 */
export function candidateEpoch(s: RunSummary): EpochResult {
  if (s.hyper.c0 !== undefined) return s.best;
  const trained = s.bestTrained ?? (s.best.epoch >= 1 ? s.best : null);
  if (!trained) {
    throw new Error(
      `field "bestTrained": no evaluated epoch after the start (epoch 0 is not a candidate)`,
    );
  }
  return trained;
}

/** `survivors.json` of a halving rung (stages/tune-halve.ts): who trains in the next rung. */
export const survivorsSchema = z.object({
  model: z.string(),
  /** The rung ranked (0 = the first). */
  rung: z.number().int().min(0),
  /** The epoch every point of that rung trained up to (or stopped before). */
  epochs: z.number().int().min(1),
  /**
   * Grid points (final node ids) that continue, best first: the best `keep` of those that
   * trained to the rung's end (fewer when early stopping ended the others).
   */
  survivors: z.array(z.string()),
  /** Every point of the rung, best first: its best trained epoch so far and where it stopped. */
  ranking: z.array(
    z.object({
      label: z.string(),
      bestEpoch: z.number().int().min(0),
      ndcg10: z.number().nullable(),
      stopped: stoppedSchema.omit({ patience: true }).optional(),
      /** Trained to the rung's end, so it may continue (not stopped by halving or patience). */
      alive: z.boolean(),
    }).strict(),
  ),
}).strict();

/** A parsed `survivors.json`. */
export type Survivors = z.infer<typeof survivorsSchema>;

/**
 * Ranks runs by their candidate epoch's validation NDCG@10 ({@link candidateEpoch}), best
 * first; NaN and missing values last; ties keep grid order.
 */
export function rankRuns<T extends { ndcg10: number | null }>(runs: readonly T[]): T[] {
  const score = (r: T) => (r.ndcg10 === null || Number.isNaN(r.ndcg10) ? -Infinity : r.ndcg10);
  return runs.map((r, i) => ({ r, i }))
    .sort((a, b) => score(b.r) - score(a.r) || a.i - b.i)
    .map(({ r }) => r);
}

/**
 * Reads a grid run's `train_summary.json` and its candidate epoch ({@link candidateEpoch}).
 *
 * @throws Error naming the run, the file and the field
 */
export async function readRunSummary(
  label: string,
  path: string,
): Promise<{ summary: RunSummary; at: EpochResult }> {
  const parsed = summarySchema.safeParse(JSON.parse(await Deno.readTextFile(path)));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${label}: ${path}: field "${i.path.join(".")}": ${i.message}`);
  }
  try {
    return { summary: parsed.data, at: candidateEpoch(parsed.data) };
  } catch (e) {
    throw new Error(`${label}: ${path}: ${(e as Error).message}`);
  }
}
