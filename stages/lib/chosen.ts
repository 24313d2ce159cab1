/**
 * `chosen.json`: the hyper-parameters a tuning selection picked (paper sec. 4.1.4), read by
 * later tuning nodes and by the final model nodes as an input file (its values are only known
 * at run time). A training stage named `<model>-tuned` takes it as input `hyper` and replaces
 * the fields listed in its `override` param with `values`, recording `source`.
 *
 * @module
 */
import type { StopReason } from "../../models/early_stop.ts";
import { z } from "zod";
import {
  amrAdversarySchema,
  duifInitSchema,
  ealsModelSchema,
  lrRegsSchema,
} from "../../config/profile.ts";

/**
 * Every hyper-parameter a selection can fix: a BPR model's `epochs`, `lr`, `regs` (and AMR's
 * `eps`, `lambda`; DUIF's start `init`), or MF-eALS's `c0` and `reg`. The one list of overridable fields.
 */
const chosenFields = z.object({
  /** Best epoch by validation NDCG@10 (the final run trains this many epochs; BPR models). */
  epochs: z.number().int().min(1).optional(),
  lr: lrRegsSchema.shape.lr.optional(),
  regs: lrRegsSchema.shape.regs.optional(),
  eps: amrAdversarySchema.shape.eps.optional(),
  lambda: amrAdversarySchema.shape.lambda.optional(),
  /** DUIF's start (from scratch or MF-BPR's P), when the selection chose between the two. */
  init: duifInitSchema.optional(),
  /** MF-eALS's missing-data weight (its sweep count is not chosen: see stages/mf-eals.ts). */
  c0: ealsModelSchema.shape.c0.optional(),
  /** MF-eALS's L2 weight. */
  reg: ealsModelSchema.shape.reg.optional(),
}).strict();

/** A field a training node may take from `chosen.json` (its params' `override`). */
export const overrideFieldSchema = chosenFields.keyof();

/**
 * Hyper-parameters a selection fixed: `epochs`, `lr` and `regs` (plus `eps`, `lambda` for AMR)
 * for a BPR-trained model, or `c0` and `reg` for MF-eALS.
 */
export const chosenValuesSchema = chosenFields.superRefine((v, ctx) => {
  const bpr = v.epochs !== undefined && v.lr !== undefined && v.regs !== undefined;
  const eals = v.c0 !== undefined && v.reg !== undefined;
  if (bpr === eals) {
    ctx.addIssue({
      code: "custom",
      message: "expected either epochs, lr and regs (a BPR-trained model) or c0 and reg " +
        "(MF-eALS)",
    });
  }
});

/** Validation result of one grid point. */
/** Where a grid run ended and why (`models/early_stop.ts`). */
export const stoppedSchema = z.object({
  epoch: z.number().int().min(0),
  reason: z.enum(["epochs", "patience", "halving"] as const satisfies readonly StopReason[]),
  /** Evaluations without improvement that stop the run (null: none). */
  patience: z.number().int().min(1).nullable(),
}).strict();

export const gridResultSchema = z.object({
  /** Node id of the tuning run, e.g. `tune-vbpr@lr=0.01,l2=0.001`. */
  label: z.string(),
  /** Hyper-parameters the run used. */
  values: chosenValuesSchema,
  /** The grid coordinates varied in this selection, e.g. `{ lr: 0.01, l2: 0.001 }`. */
  point: z.record(z.string(), z.number()),
  /** Epoch with the best validation NDCG@10. */
  bestEpoch: z.number().int().min(0),
  /** Validation NDCG@10 at that epoch. */
  ndcg10: z.number(),
  /** Validation HR@10 at that epoch. */
  hr10: z.number(),
  /** For a widening point: the coordinate widened, the side and the step (1 = next to the grid). */
  extension: z.object({
    coord: z.string(),
    side: z.enum(["below", "above"]),
    step: z.number().int().min(1),
  }).strict().optional(),
  /** Whether the selection considered this point (widening points only when their side was reached). */
  considered: z.boolean().optional(),
  /** Validation results at epoch 0, the run's start (absent: not recorded by the run). */
  start: z.object({ ndcg10: z.number(), hr10: z.number() }).strict().optional(),
  /** Whether the best trained epoch's NDCG@10 beats the start's (absent with `start`). */
  beatsStart: z.boolean().optional(),
  /**
   * Where the run ended and why: `epochs` (all planned) or `patience` (early stopping, with the
   * patience it had); absent in runs that did not record it (MF-eALS).
   */
  stopped: stoppedSchema.optional(),
}).strict();

/** How the selection widened the grid on one side of one coordinate. */
export const wideningSchema = z.object({
  /** Grid coordinate, e.g. `lr`. */
  coord: z.string(),
  /** `below` the smallest value of the base grid or `above` the largest. */
  side: z.enum(["below", "above"]),
  /** Extension steps planned on this side (0 where the grid cannot go further, e.g. l2 = 0). */
  planned: z.number().int().min(0),
  /** Steps the selection took (each taken because the best sat on that edge). */
  used: z.number().int().min(0),
  /** The coordinate's values of the steps taken. */
  values: z.array(z.number()),
  /** Whether the chosen value sits on this edge after the steps taken. */
  stillOnEdge: z.boolean(),
}).strict();

/** One variant's best run in a choice between starts (`tune-init`). */
export const variantResultSchema = z.object({
  /** The start, e.g. `scratch` or `mf-bpr`. */
  init: duifInitSchema,
  /** Node id of the best run of that variant's grid. */
  label: z.string(),
  /** Its validation NDCG@10 at its best epoch. */
  ndcg10: z.number(),
  /** Its validation HR@10 at that epoch. */
  hr10: z.number(),
  /** Whether this variant was chosen. */
  chosen: z.boolean(),
}).strict();

/** The whole `chosen.json`. */
export const chosenSchema = z.object({
  /** Model tuned (mf-bpr, duif, vbpr, amr). */
  model: z.string(),
  /** Selection criterion. */
  metric: z.literal("validation ndcg@10"),
  /** Recorded as the hyper-parameters' source by the nodes that use them. */
  source: z.string(),
  /** The chosen values (the best run's, epochs = its best epoch). */
  values: chosenValuesSchema,
  /** The best run. */
  best: gridResultSchema,
  /** Every grid point's validation result, in grid order. */
  grid: z.array(gridResultSchema),
  /** Grid coordinates whose chosen value is the smallest or largest considered. */
  onEdge: z.array(z.string()),
  /** Per coordinate and side, the widening planned and taken (paper sec. 4.1.4). */
  widening: z.array(wideningSchema).default([]),
  /**
   * Set when no trained epoch of the chosen run beat its start (epoch 0, never a candidate):
   * one sentence with both scores and the epochs the final trains ({@link NO_GAIN}).
   */
  startNote: z.string().optional(),
  /** One plain sentence on the widening, e.g. "lr: still on the edge after widening by 2 steps". */
  wideningNote: z.string().default(""),
  /**
   * For a choice between starts (`tune-init`, DUIF): each variant's best run; the chosen
   * variant's grid, widening and `values.init` fill the rest.
   */
  variants: z.array(variantResultSchema).optional(),
}).strict();

/**
 * The values `override` names, read from the `chosen.json` at `hyperPath`, and the source a
 * node using them records; null when `override` is empty.
 *
 * @throws Error when there is no `hyper` input or a named value is missing
 */
export async function chosenOverrides(
  override: readonly OverrideField[],
  hyperPath: string | undefined,
): Promise<{ values: ChosenValues; source: string } | null> {
  if (override.length === 0) return null;
  if (!hyperPath) throw new Error(`params.override is set but the stage has no "hyper" input`);
  const chosen = await readChosen(hyperPath);
  const values: Record<string, unknown> = {};
  for (const field of override) {
    const v = chosen.values[field];
    if (v === undefined) throw new Error(`${hyperPath}: values.${field} is missing (override)`);
    values[field] = v;
  }
  return { values: values as ChosenValues, source: `${chosen.source} (${override.join(", ")})` };
}

/**
 * The words a selection's `source` (hence the final run's `train_summary.json` and the report)
 * carries when no trained epoch of the chosen run beat its start.
 */
export const NO_GAIN = "no trained epoch beat the start";

/** One grid point's validation result in `chosen.json`. */
export type GridResult = z.infer<typeof gridResultSchema>;

/** Parsed `chosen.json`. */
export type Chosen = z.infer<typeof chosenSchema>;
/** The values of a `chosen.json`. */
export type ChosenValues = z.infer<typeof chosenValuesSchema>;
/** A field a training node may take from `chosen.json`. */
export type OverrideField = z.infer<typeof overrideFieldSchema>;

/**
 * Reads and validates a `chosen.json`.
 *
 * @throws Error naming the file and field
 */
export async function readChosen(path: string): Promise<Chosen> {
  const parsed = chosenSchema.safeParse(JSON.parse(await Deno.readTextFile(path)));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${path}: field "${i.path.join(".")}": ${i.message}`);
  }
  return parsed.data;
}
/** How a selection widened one side of one coordinate. */
export type Widening = z.infer<typeof wideningSchema>;
