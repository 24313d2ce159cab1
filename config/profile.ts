/**
 * Run profiles (`configs/profiles/<name>.json`): how long each model trains, which
 * hyper-parameters it uses and where each value comes from, and whether to tune.
 */
import { z } from "zod";

const triple = z.tuple([z.number().min(0), z.number().min(0), z.number().min(0)]);

/** Hyper-parameters of one BPR-trained model, with their source. */
export const bprModelSchema = z.object({
  epochs: z.number().int().min(1),
  /** Adagrad learning rates for [P, Q, E] (authors' run.sh order). */
  lr: triple,
  /** L2 weights [l1 on p_u, l2 on item vectors, l3 on E]. */
  regs: triple,
  /** Where the values come from (paper, authors' run.sh, stated default, tune run). */
  source: z.string().min(1),
}).strict();

/** AMR: a BPR model plus its adversary. */
export const amrModelSchema = bprModelSchema.extend({
  eps: z.number().min(0),
  lambda: z.number().min(0),
  adversary: z.enum(["grad", "rand", "sign"]).default("grad"),
}).strict();

/** MF-eALS settings. */
export const ealsModelSchema = z.object({
  iterations: z.number().int().min(1),
  reg: z.number().min(0),
  c0: z.number().positive(),
  alpha: z.number().min(0),
  wPos: z.number().positive().default(1),
  source: z.string().min(1),
}).strict();

/** Tuning protocol (paper sec. 4.1.4) on the validation split. */
export const tuneSchema = z.object({
  /** Epochs of each tuning run (the epoch count is chosen on validation NDCG@10). */
  epochs: z.number().int().min(1),
  evalEvery: z.number().int().min(1),
  lr: z.array(z.number().positive()).min(1),
  l2: z.array(z.number().min(0)).min(1),
  eps: z.array(z.number().positive()).min(1),
  lambda: z.array(z.number().positive()).min(1),
  /**
   * Widening steps per side of each tuned coordinate (paper: "if the optimal value was found in
   * the boundary, we further extend the boundary"). Each step is one more value beyond the grid
   * at the grid's own spacing on that side, trained as its own cached run; the selection uses it
   * only when the best sits on that edge. 0: no widening.
   */
  widen: z.number().int().min(0).max(3).default(1),
}).strict();

/**
 * Settings of the robustness and hyper-parameter figures (paper sec. 4.3-4.4): Table 3 and
 * Figures 4-5 (test-time perturbations) and the AMR sweeps of Figures 6 (eps) and 7 (lambda).
 */
export const figuresSchema = z.object({
  /** Table 3's perturbation radii (paper: 0.05, 0.1, 0.2). */
  tableEps: z.array(z.number().positive()).min(1),
  /** Figure 4's radii (paper: 0.01 .. 0.5). */
  perturbEps: z.array(z.number().positive()).min(1),
  /** Figure 5's radius (paper: 0.1). */
  rankEps: z.number().positive(),
  /** Figure 6: AMR's eps values (lambda fixed at AMR's). */
  sweepEps: z.array(z.number().positive()).min(1).max(16),
  /** Figure 7: AMR's lambda values (eps fixed at AMR's). */
  sweepLambda: z.array(z.number().positive()).min(1).max(16),
  /** Epochs of each sweep run, started from the trained VBPR (AMR's own epochs: reuse AMR). */
  sweepEpochs: z.number().int().min(1),
}).strict();

/** Figure settings of a profile that does not give any (the paper's axes, short sweeps). */
export const DEFAULT_FIGURES: z.infer<typeof figuresSchema> = {
  tableEps: [0.05, 0.1, 0.2],
  perturbEps: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
  rankEps: 0.1,
  sweepEps: [0.01, 0.1, 1, 10],
  sweepLambda: [0.01, 0.1, 1, 10],
  sweepEpochs: 20,
};

/** A run profile. */
export const profileSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  /** Root seed; each node's seed derives from it and the node id. */
  seed: z.number().int().min(0),
  /** Test negatives per user (999 in the paper). */
  negatives: z.number().int().min(1).default(999),
  /** Embedding size K (64 in the paper). */
  k: z.number().int().min(1).default(64),
  batchSize: z.number().int().min(1).default(512),
  /** Evaluate on test every this many epochs (50 in the paper); the curve feeds Figure 3. */
  evalEvery: z.number().int().min(1),
  /** Cold-start test items: zero ID embedding (paper) or the authors' random init. */
  coldMode: z.enum(["zero", "official"]).default("zero"),
  /** VBPR score form: paper eq. 4 (default) or original eq. 2. */
  vbprForm: z.enum(["eq4", "eq2"]).default("eq4"),
  models: z.object({
    "mf-eals": ealsModelSchema,
    "mf-bpr": bprModelSchema,
    duif: bprModelSchema,
    vbpr: bprModelSchema,
    amr: amrModelSchema,
  }).strict(),
  /** When set, hyper-parameters are tuned on validation and the chosen values used. */
  tune: tuneSchema.nullable().default(null),
  /** Table 3 and Figures 3-7 settings. */
  figures: figuresSchema.default(DEFAULT_FIGURES),
}).strict();

/** A validated profile. */
export type Profile = z.infer<typeof profileSchema>;
/** Settings of one BPR model. */
export type BprModelConfig = z.infer<typeof bprModelSchema>;
/** Settings of the figures. */
export type FiguresConfig = z.infer<typeof figuresSchema>;
/** Settings of AMR. */
export type AmrModelConfig = z.infer<typeof amrModelSchema>;

/** Reads and validates `configs/profiles/<name>.json`; errors name the file and field. */
export async function loadProfile(configDir: string, name: string): Promise<Profile> {
  const path = `${configDir}/profiles/${name}.json`;
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`unknown profile "${name}": ${path} not found`);
    }
    throw new Error(`${path}: invalid JSON: ${(e as Error).message}`);
  }
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${path}: field "${i.path.join(".")}": ${i.message}`);
  }
  return parsed.data;
}
