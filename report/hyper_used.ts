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
