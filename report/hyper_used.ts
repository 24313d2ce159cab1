/**
 * The hyper-parameters each final model trained with, as the report shows them beside Table 2:
 * read from the models' own `train_summary.json` (what ran, after any tuned choice replaced the
 * profile's values), never from the planned params.
 *
 * @module
 */
import { z } from "zod";

/** One model's row: its settings as text and where they came from. */
export interface HyperUsed {
  /** Model node id (`mf-eals`, `mf-bpr`, ...). */
  readonly model: string;
  /** The settings, e.g. `c0 = 256, reg = 0.01, alpha = 0.5, 100 sweeps`. */
  readonly settings: string;
  /** The summary's `source` (a profile's stated source, or `tune run <node> (<fields>)`). */
  readonly source: string;
  /** Adagrad learning rates [P, Q, E] it ran with (BPR-trained models). */
  readonly lr?: readonly number[];
  /** L2 weights [l1, l2, l3] it ran with (BPR-trained models). */
  readonly regs?: readonly number[];
}

const num = z.number();
const triple = z.tuple([num, num, num]);

/** What is read of a final model's `train_summary.json`. */
const summarySchema = z.object({
  model: z.string(),
  epochs: z.number().int().min(1),
  source: z.string(),
  hyper: z.object({
    c0: num.optional(),
    reg: num.optional(),
    alpha: num.optional(),
    lr: triple.optional(),
    regs: triple.optional(),
    eps: num.optional(),
    lambda: num.optional(),
    /** DUIF's start (`scratch` or `mf-bpr`). */
    init: z.string().optional(),
  }).passthrough(),
}).passthrough();

/** Settings shown per model kind, in this order (absent ones are skipped). */
const SHOWN = ["c0", "reg", "alpha", "lr", "regs", "eps", "lambda", "init"] as const;

function text(v: string | number | readonly number[]): string {
  return Array.isArray(v) ? `[${v.join(", ")}]` : String(v);
}

/**
 * The row of one model from its parsed `train_summary.json` JSON.
 *
 * @param model the model node id
 * @param json the summary's parsed JSON
 * @param where names the file in errors
 * @throws Error naming `where` and the field when the summary lacks what is shown
 */
export function hyperUsedOf(model: string, json: unknown, where: string): HyperUsed {
  const parsed = summarySchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${where}: field "${i.path.join(".")}": ${i.message}`);
  }
  const s = parsed.data;
  const parts: string[] = [];
  for (const k of SHOWN) {
    const v = s.hyper[k];
    if (v !== undefined) parts.push(`${k} = ${text(v)}`);
  }
  parts.push(s.model === "mf-eals" ? `${s.epochs} sweeps` : `${s.epochs} epochs`);
  return {
    model,
    settings: parts.join(", "),
    source: s.source,
    ...(s.hyper.lr ? { lr: s.hyper.lr } : {}),
    ...(s.hyper.regs ? { regs: s.hyper.regs } : {}),
  };
}

function same(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length &&
    a.every((v, i) => v === b[i]);
}

/**
 * Whether AMR ran with VBPR's learning rates and L2 weights (paper sec. 4.1.4), read from the
 * two models' rows: one sentence saying so, or naming both settings and what the difference
 * means for Table 2's AMR vs VBPR; null without both rows.
 *
 * @param rows the "Hyper-parameters used" rows
 */
export function optimiserNote(rows: readonly HyperUsed[]): string | null {
  const amr = rows.find((r) => r.model === "amr");
  const vbpr = rows.find((r) => r.model === "vbpr");
  if (!amr?.lr || !amr.regs || !vbpr?.lr || !vbpr.regs) return null;
  if (same(amr.lr, vbpr.lr) && same(amr.regs, vbpr.regs)) {
    return "AMR trained with VBPR's learning rates and L2 weights, as the paper does (sec. " +
      "4.1.4), so Table 2's AMR vs VBPR differs by the adversary and AMR's further epochs; " +
      "the lambda = 0 control separates the two.";
  }
  return `AMR's learning rates ${text(amr.lr)} and L2 weights ${text(amr.regs)} differ from ` +
    `VBPR's (${text(vbpr.lr)}, ${text(vbpr.regs)}); the paper (sec. 4.1.4) trains AMR with ` +
    "VBPR's, so Table 2's AMR vs VBPR mixes the adversary with this optimiser change; the " +
    "lambda = 0 control, trained with AMR's settings and no adversary, isolates the adversary.";
}

/**
 * One sentence for the notes under Table 2 naming the final models whose selection found no
 * trained epoch better than the run's start (their `source` carries `marker`, the selection's
 * words); empty when there is none.
 *
 * @param rows the "Hyper-parameters used" rows
 * @param marker the words a selection's source carries in that case (stages/lib/chosen.ts)
 */
export function noGainNote(rows: readonly HyperUsed[], marker: string): string {
  const hit = rows.filter((r) => r.source.includes(marker)).map((r) => r.model);
  if (hit.length === 0) return "";
  return `Tuning: for ${hit.join(", ")}, ${marker} on validation (epoch 0, the weights the ` +
    "run started from, is not a candidate); the final run trains the best trained epoch " +
    "anyway (chosen.json's startNote has both scores).";
}

/** What {@link ranSettings} reads of AMR's `train_summary.json`. */
const amrRanSchema = z.object({
  epochs: z.number().int().min(1),
  hyper: z.object({ eps: num, lambda: num }).passthrough(),
}).passthrough();

/** What {@link ranSettings} reads of a sweep's `sweep.json`. */
const sweepRanSchema = z.object({ epochs: z.number().int().min(0) }).passthrough();

function parsed<T>(schema: z.ZodType<T>, json: unknown, where: string): T {
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${where}: field "${i.path.join(".")}": ${i.message}`);
  }
  return r.data;
}

/**
 * The run header's "AMR epochs", "AMR eps", "AMR lambda" and "sweep epochs", read from what ran:
 * the final AMR's `train_summary.json` and the two sweeps' `sweep.json` (themselves read from
 * their runs' summaries), so a tuned run shows its chosen values, not the profile's fallbacks.
 *
 * @param amr AMR's summary JSON, with the path named in errors
 * @param sweeps each sweep's JSON (Figure 6's, Figure 7's), with its path
 */
export function ranSettings(
  amr: { json: unknown; where: string },
  sweeps: readonly { json: unknown; where: string }[],
): Record<string, number | string> {
  const a = parsed(amrRanSchema, amr.json, amr.where);
  const epochs = [...new Set(sweeps.map((s) => parsed(sweepRanSchema, s.json, s.where).epochs))];
  return {
    "AMR epochs": a.epochs,
    "AMR eps": a.hyper.eps,
    "AMR lambda": a.hyper.lambda,
    "sweep epochs": epochs.length === 1 ? epochs[0] : epochs.join(" / "),
  };
}
