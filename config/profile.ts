/**
 * Run profiles (`configs/profiles/<name>.json`): how long each model trains, which
 * hyper-parameters it uses and where each value comes from, and whether to tune.
 *
 * This module is the one declaration of every configuration field. To add a field, declare it
 * once here, with its doc comment, in the schema it belongs to: a model's hyper-parameter in
 * `bprModelSchema`, `duifModelSchema`, `amrAdversarySchema` or `ealsModelSchema`, a run-wide
 * setting in `runSettingsSchema`, tuning in `tuneSchema`, a figure setting in `figuresSchema`, a test-time
 * adversary setting in `perturbSchema`.
 * The stage param schemas are derived from these (`stages/lib/bpr_stage.ts`,
 * `stages/mf-eals.ts`, `stages/perturb-test.ts`) and the planners (`plan/*.ts`) spread the
 * profile's model objects into node params, so a new model field reaches its stage with no
 * further edit (DUIF's `init`, which also picks the stage and its inputs, is wired in
 * `plan/models.ts` and `plan/tune.ts`). A run-wide
 * or figure setting reaches a stage once its key is in that stage's `.pick` mask
 * (`*_RUN_FIELDS`, `*_FIGURE_FIELDS`, exported by the stage; the planner passes
 * `pickFields(profile, mask)`).
 * `tests/config/profile_test.ts` checks that the stage schemas accept exactly these fields.
 */
import { z } from "zod";
import { fieldIssue, readUserJson } from "../pipeline/stage/mod.ts";
import {
  intIn,
  MAX_ADVERSARY,
  MAX_ALPHA,
  MAX_BATCH,
  MAX_EPOCHS,
  MAX_K,
  MAX_LIST,
  MAX_LR,
  MAX_NEGATIVES,
  MAX_SEED,
  MAX_WEIGHT,
  numIn,
  positiveUpTo,
} from "./bounds.ts";
import { DEFAULT_NEGATIVES } from "./protocol.ts";

/** L2 weights, one each for P (and H), Q and E, in the authors' run.sh order. */
export const regsTripleSchema = z.tuple([
  numIn(0, MAX_WEIGHT),
  numIn(0, MAX_WEIGHT),
  numIn(0, MAX_WEIGHT),
]);

/** Learning rates [P (and H), Q, E]: each in [0, {@link MAX_LR}]. */
export const lrTripleSchema = z.tuple([numIn(0, MAX_LR), numIn(0, MAX_LR), numIn(0, MAX_LR)]);

/** Learning rates and L2 weights of a BPR-trained model (also what a tuning grid point sets). */
export const lrRegsSchema = z.object({
  /** Adagrad learning rates [P (and H), Q, E] (authors' run.sh order). */
  lr: lrTripleSchema,
  /** L2 weights [l1 on p_u, l2 on item vectors, l3 on E] (authors' run.sh). */
  regs: regsTripleSchema,
}).strict();

/** Learning rates and L2 weights [P, Q, E]. */
export type LrRegs = z.infer<typeof lrRegsSchema>;

/**
 * Form of the L2 regulariser (docs/model.md#losses-and-regularisation): `official` (absent
 * means this) is the authors' code, `l1 |p_u|^2 + l2 (|q_i + E c_i|^2 + |q_j + E c_j|^2) +
 * l3 |E|^2`; `paper` is the paper's eq. 10, `beta (|p_u|^2 + |q_i|^2 + |E|^2)` on the ID
 * vectors only, with `regs` as the per-parameter betas `[beta_P, beta_Q, beta_E]`.
 */
export const regulariserSchema = z.enum(["official", "paper"]);

/** Hyper-parameters of one BPR-trained model, with their source. */
export const bprModelSchema = z.object({
  /** Training epochs. */
  epochs: intIn(1, MAX_EPOCHS),
  ...lrRegsSchema.shape,
  /**
   * Regulariser form (`regulariserSchema`; paper eq. 10 or the authors' code). Optional so
   * that the default leaves params, and hence cache keys, as they were.
   */
  regulariser: regulariserSchema.optional(),
  /** Where the values come from (paper, authors' run.sh, stated default, tune run). */
  source: z.string().min(1),
}).strict();

/**
 * Where DUIF's user matrix P starts (paper sec. 4.1.3: DUIF was tested "both training it from
 * scratch and pre-training it with user embeddings of MF"): `scratch` draws it at random,
 * `mf-bpr` copies MF-BPR's trained P. DUIF has no item ID vectors, so nothing else comes from MF.
 */
export const duifInitSchema = z.enum(["scratch", "mf-bpr"]);

/** DUIF: a BPR model plus where its P starts. */
export const duifModelSchema = bprModelSchema.extend({
  /**
   * Where P starts (`duifInitSchema`). In a tuning profile validation chooses between the two
   * (plan/tune.ts) and this value is only the fallback shown by `config show`.
   */
  init: duifInitSchema.default("scratch"),
}).strict();

/** Test-time and training-time adversaries (paper eq. 7-12; `sign` is FGSM). */
export const adversaryKindSchema = z.enum(["grad", "rand", "sign"]);

/** AMR's adversary on top of a BPR model (paper eq. 7-12). */
export const amrAdversarySchema = z.object({
  /** Perturbation radius (L2 norm per item feature row). */
  eps: numIn(0, MAX_ADVERSARY),
  /** Weight of the adversarial BPR loss (0 gives VBPR exactly). */
  lambda: numIn(0, MAX_ADVERSARY),
  /** How the perturbation is drawn during training. */
  adversary: adversaryKindSchema.default("grad"),
}).strict();

/** AMR: a BPR model plus its adversary. */
export const amrModelSchema = bprModelSchema.extend(amrAdversarySchema.shape).strict();

/**
 * `"inherit"` in place of AMR's `lr` or `regs`: take VBPR's value (paper sec. 4.1.4: "After
 * obtaining the optimal values of learning rate and L2 regularizer for VBPR, we use them" for
 * AMR). One rule ({@link withInherited}) replaces it, so AMR follows when VBPR's settings change.
 */
export const INHERIT = "inherit";

/** A profile's AMR: as {@link amrModelSchema}, with `lr` and `regs` also `"inherit"`. */
export const amrProfileSchema = amrModelSchema.extend({
  /** Adagrad learning rates [P, Q, E], or `"inherit"`: VBPR's. */
  lr: lrTripleSchema.or(z.literal(INHERIT)),
  /** L2 weights [l1, l2, l3], or `"inherit"`: VBPR's. */
  regs: regsTripleSchema.or(z.literal(INHERIT)),
}).strict();

/** AMR's fields that may say `"inherit"`, and the model they inherit from. */
export const INHERITED_FIELDS = { from: "vbpr", fields: ["lr", "regs"] } as const;

/** MF-eALS settings (He et al., SIGIR 2016). */
export const ealsModelSchema = z.object({
  /** Sweeps (each updates all of P, then all of Q). */
  iterations: intIn(1, MAX_EPOCHS),
  /** L2 regularisation on P and Q. */
  reg: numIn(0, MAX_WEIGHT),
  /** Overall weight of the missing data, c0. */
  c0: positiveUpTo(MAX_WEIGHT),
  /** Popularity exponent of the missing-data weights (0.5 in He et al.). */
  alpha: numIn(0, MAX_ALPHA),
  /** Weight of every observed interaction. */
  wPos: positiveUpTo(MAX_WEIGHT).default(1),
  /** Where the values come from. */
  source: z.string().min(1),
}).strict();

/** Settings of a profile that hold for every model and node of the run. */
export const runSettingsSchema = z.object({
  /** Root seed; each node's seed derives from it and the node id. */
  seed: intIn(0, MAX_SEED),
  /** Test negatives per user (`DEFAULT_NEGATIVES`, 999 in the paper). */
  negatives: intIn(1, MAX_NEGATIVES).default(DEFAULT_NEGATIVES),
  /** Embedding size K (64 in the paper). */
  k: intIn(1, MAX_K).default(64),
  /** Mini-batch size (triples). */
  batchSize: intIn(1, MAX_BATCH).default(512),
  /** Evaluate on the phase's target every this many epochs (50 in the paper; and at epoch 0
   * and the last); the curve feeds Figure 3. */
  evalEvery: intIn(1, MAX_EPOCHS),
  /** Cold-start test items: zero ID embedding (paper) or the authors' random init. */
  coldMode: z.enum(["zero", "official"]).default("zero"),
  /** VBPR score form: paper eq. 4 (default) or original eq. 2. */
  vbprForm: z.enum(["eq4", "eq2"]).default("eq4"),
}).strict();

/**
 * The fields of `value` that `schema` declares (e.g. a BPR model's fields of AMR's settings, or
 * AMR's adversary fields), so planners pass a declared group without naming its fields.
 */
export function declaredFields<S extends z.ZodRawShape, V extends object>(
  schema: z.ZodObject<S>,
  value: V,
): Pick<V, keyof S & keyof V> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    if (key in value) out[key] = (value as Record<string, unknown>)[key];
  }
  return out as Pick<V, keyof S & keyof V>;
}

/**
 * The fields of `value` named by `mask` (the mask a stage gives `.pick` to take run-wide or
 * figure settings from the profile).
 */
export function pickFields<T extends object, M extends { readonly [K in keyof T]?: true }>(
  value: T,
  mask: M,
): Pick<T, keyof M & keyof T> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(mask)) out[key] = (value as Record<string, unknown>)[key];
  return out as Pick<T, keyof M & keyof T>;
}

/** Evaluations without improvement that stop a run early (`models/early_stop.ts`). */
export const patienceSchema = intIn(1, MAX_EPOCHS);

/** Tuning protocol (paper sec. 4.1.4) on the validation split. */
export const tuneSchema = z.object({
  /** Epochs of each tuning run (the epoch count is chosen on validation NDCG@10). */
  epochs: intIn(1, MAX_EPOCHS),
  /** Evaluate on validation every this many epochs of a tuning run. */
  evalEvery: intIn(1, MAX_EPOCHS),
  /** Learning rates of the grid (one value for all of P, Q, E per grid point). */
  lr: z.array(positiveUpTo(MAX_LR)).min(1).max(MAX_LIST),
  /** L2 weights of the grid (one value for all of P, Q, E per grid point). */
  l2: z.array(numIn(0, MAX_WEIGHT)).min(1).max(MAX_LIST),
  /** AMR's eps values, tuned with lambda = 1 from VBPR's chosen lr and L2. */
  eps: z.array(positiveUpTo(MAX_ADVERSARY)).min(1).max(MAX_LIST),
  /** AMR's lambda values, tuned at the chosen eps. */
  lambda: z.array(positiveUpTo(MAX_ADVERSARY)).min(1).max(MAX_LIST),
  /**
   * MF-eALS's missing-data weights c0 of the grid, crossed with {@link tuneSchema}'s `reg`;
   * each run trains the profile's `models.mf-eals.iterations` sweeps.
   */
  c0: z.array(ealsModelSchema.shape.c0).min(1).max(MAX_LIST),
  /** MF-eALS's L2 weights of the grid. */
  reg: z.array(ealsModelSchema.shape.reg).min(1).max(MAX_LIST),
  /**
   * Widening steps per side of each tuned coordinate (paper: "if the optimal value was found in
   * the boundary, we further extend the boundary"). Each step is one more value beyond the grid
   * at the grid's own spacing on that side, trained as its own cached run; the selection uses it
   * only when the best sits on that edge. 0: no widening.
   */
  widen: intIn(0, 3).default(1),
  /**
   * Early stopping of the grid runs (paper sec. 3.3: convergence checked on a holdout
   * validation set): a run stops once its validation NDCG@10 has not improved for this many
   * evaluations (every `evalEvery` epochs); its best epoch is chosen as for a full run
   * (`models/early_stop.ts`). Absent: every grid run trains `epochs` epochs (the paper's protocol).
   */
  patience: patienceSchema.optional(),
  /**
   * How the BPR grids spend their epochs: `full` (every point trains `epochs`, the paper's
   * protocol) or `halving` (successive halving: every point starts; after each rung the best
   * 1/`eta` of the level by validation NDCG@10 continue from where they stopped, up to `epochs`;
   * plan/halving.ts).
   */
  schedule: z.enum(["full", "halving"]).default("full"),
  /** Successive halving's reduction factor: each rung keeps the best 1/eta of the points. */
  eta: intIn(2, 100).default(3),
  /**
   * A shipped profile (a name in configs/profiles/) whose tuning choices the report compares with
   * this one's, selection by selection, wherever that profile has run on the same data and code
   * (`paper-fast` names `paper`; plan/reference.ts). Absent: no comparison.
   */
  reference: z.string().regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    "expected a profile name (letters, digits, - and _)",
  ).optional(),
}).strict();

/**
 * Settings of the robustness and hyper-parameter figures (paper sec. 4.3-4.4): Table 3 and
 * Figures 4-5 (test-time perturbations) and the AMR sweeps of Figures 6 (eps) and 7 (lambda).
 */
export const figuresSchema = z.object({
  /** Table 3's perturbation radii (paper: 0.05, 0.1, 0.2). */
  tableEps: z.array(positiveUpTo(MAX_ADVERSARY)).min(1).max(MAX_LIST),
  /** Figure 4's radii (paper: 0.01 .. 0.5). */
  perturbEps: z.array(positiveUpTo(MAX_ADVERSARY)).min(1).max(MAX_LIST),
  /** Figure 5's radius (paper: 0.1). */
  rankEps: positiveUpTo(MAX_ADVERSARY),
  /** Figure 6: AMR's eps values (lambda fixed at AMR's). */
  sweepEps: z.array(positiveUpTo(MAX_ADVERSARY)).min(1).max(16),
  /** Figure 7: AMR's lambda values (eps fixed at AMR's). */
  sweepLambda: z.array(positiveUpTo(MAX_ADVERSARY)).min(1).max(16),
  /** Epochs of each sweep run, started from the trained VBPR (AMR's own epochs: reuse AMR). */
  sweepEpochs: intIn(1, MAX_EPOCHS),
}).strict();

/**
 * Where the test-time adversary's gradient comes from: `train` is the paper's eq. 6 (the clean
 * BPR loss over training triples; cold-start items get none); `test` also runs a worst-case
 * adversary from the test ranking loss (each user's test item against its sampled negatives),
 * which reaches cold test items, reported as an extra Table 3 block marked "not in the paper".
 */
export const perturbSourceSchema = z.enum(["train", "test"]);

/** Test-time perturbation settings (Table 3's extra block; docs/adversary.md). */
export const perturbSchema = z.object({
  /**
   * `train` (default): Table 3, Figures 4-5 from eq. 6 only. `test`: Table 3 also shows the
   * test-loss adversary as a block "not in the paper"; Figures 4-5 stay on eq. 6.
   */
  source: perturbSourceSchema.default("train"),
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
  /** Profile name (the file stem). */
  name: z.string().min(1),
  /** What the profile is for, in a sentence or two. */
  description: z.string(),
  ...runSettingsSchema.shape,
  /**
   * Replicates of the training, evaluation and robustness nodes, with root seeds seed, seed + 1,
   * ... (plan/seeds.ts); `--seeds N` overrides it.
   */
  seeds: intIn(1, 10).default(1),
  models: z.object({
    "mf-eals": ealsModelSchema,
    "mf-bpr": bprModelSchema,
    duif: duifModelSchema,
    vbpr: bprModelSchema,
    amr: amrProfileSchema,
  }).strict(),
  /** When set, hyper-parameters are tuned on validation and the chosen values used. */
  tune: tuneSchema.nullable().default(null),
  /** Table 3 and Figures 3-7 settings. */
  figures: figuresSchema.default(DEFAULT_FIGURES),
  /** Test-time adversaries (`perturbSchema`). */
  perturb: perturbSchema.default({ source: "train" }),
  /**
   * Per-dataset overrides, merged field by field over the profile (as `extends` merges): keys
   * are a dataset name or a paper dataset (`pinterest`, `amazon`, matched by name); the exact
   * name applies after the paper dataset. E.g. the paper's Amazon optimum eps 1, lambda 0.1.
   */
  datasets: z.record(z.string().min(1), z.record(z.string(), z.unknown())).default({}),
}).strict();

/**
 * The profile as it applies to one dataset: the overrides of `datasets[paperDataset]`, then of
 * `datasets[dataset]`, merged over the rest and validated again (errors name the override).
 *
 * @param profile the loaded profile
 * @param dataset the dataset's name
 * @param paperDataset the paper dataset it stands for (`pinterest`, `amazon`) or null
 */
export function profileForDataset(
  profile: ProfileSpec,
  dataset: string,
  paperDataset: string | null,
): ProfileSpec {
  const keys = [paperDataset, dataset].filter((k): k is string =>
    k !== null && Object.hasOwn(profile.datasets, k)
  );
  if (keys.length === 0) return profile;
  let raw: unknown = { ...profile, datasets: {} };
  for (const k of [...new Set(keys)]) raw = mergeProfileJson(raw, profile.datasets[k]);
  return parseProfile(raw, `profile ${profile.name}: datasets.${keys.join(" + datasets.")}`);
}

/** A validated profile as written: AMR's `lr` and `regs` may still say `"inherit"`. */
export type ProfileSpec = z.infer<typeof profileSchema>;

/** A profile as the planners read it: every `"inherit"` replaced ({@link withInherited}). */
export type Profile = Omit<ProfileSpec, "models"> & {
  models: Omit<ProfileSpec["models"], "amr"> & { amr: AmrModelConfig };
};

/**
 * The profile with AMR's `"inherit"` values replaced by VBPR's (the one place the rule lives).
 * Applied after every override (a dataset section, `--set`), so AMR follows VBPR's final value.
 */
export function withInherited(spec: ProfileSpec): Profile {
  const amr = { ...spec.models.amr };
  const from = spec.models[INHERITED_FIELDS.from];
  for (const f of INHERITED_FIELDS.fields) if (amr[f] === INHERIT) amr[f] = [...from[f]];
  return { ...spec, models: { ...spec.models, amr: amr as AmrModelConfig } };
}

/** Whether AMR's `field` says `"inherit"` in a profile as written. */
export function inherits(
  spec: ProfileSpec,
  field: (typeof INHERITED_FIELDS.fields)[number],
): boolean {
  return spec.models.amr[field] === INHERIT;
}
/** Settings of one BPR model. */
export type BprModelConfig = z.infer<typeof bprModelSchema>;
/** Settings of DUIF. */
export type DuifModelConfig = z.infer<typeof duifModelSchema>;
/** Where DUIF's P starts. */
export type DuifInit = z.infer<typeof duifInitSchema>;
/** Settings of the figures. */
export type FiguresConfig = z.infer<typeof figuresSchema>;
/** Test-time perturbation settings. */
export type PerturbConfig = z.infer<typeof perturbSchema>;
/** Source of the test-time adversary's gradient. */
export type PerturbSource = z.infer<typeof perturbSourceSchema>;
/** Settings of AMR. */
export type AmrModelConfig = z.infer<typeof amrModelSchema>;

/**
 * Validates a parsed profile; `where` (a path) prefixes the error, which names the field path
 * and what was expected, e.g. `field "models.amr.eps": Invalid input: expected number, received string`.
 */
export function parseProfile(raw: unknown, where: string): ProfileSpec {
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${where}: ${fieldIssue(i)}`);
  }
  return parsed.data;
}

/**
 * Reads and validates `configs/profiles/<name>.json` (errors name the file and field), with
 * AMR's `"inherit"` values resolved ({@link withInherited}).
 */
export async function loadProfile(configDir: string, name: string): Promise<Profile> {
  const path = `${configDir}/profiles/${name}.json`;
  return withInherited(parseProfile(await readProfileJson(configDir, name, []), path));
}

/**
 * Deep merge for `extends`: objects merge key by key, anything else (arrays, numbers, strings,
 * null) in `over` replaces the base's value.
 */
export function mergeProfileJson(base: unknown, over: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeProfileJson(base[k], v) : v;
  return out;
}

/**
 * A profile's JSON with its `extends` chain resolved: `"extends": "<profile>"` takes that
 * profile's JSON and overrides it field by field ({@link mergeProfileJson}), so a profile that
 * must keep another's graph (e.g. `paper-lite`: the paper's grids with fewer epochs) cannot
 * drift from it.
 */
async function readProfileJson(configDir: string, name: string, chain: string[]): Promise<unknown> {
  const path = `${configDir}/profiles/${name}.json`;
  if (chain.includes(name)) {
    throw new Error(`${path}: extends cycle ${[...chain, name].join(" -> ")}`);
  }
  let raw: unknown;
  try {
    raw = await readUserJson(path, { what: "profile" });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`unknown profile "${name}": ${path} not found`);
    }
    throw e;
  }
  if (raw === null || typeof raw !== "object" || !("extends" in raw)) return raw;
  const { extends: base, ...rest } = raw as Record<string, unknown>;
  if (typeof base !== "string") {
    throw new Error(`${path}: field "extends": expected a profile name`);
  }
  return mergeProfileJson(await readProfileJson(configDir, base, [...chain, name]), rest);
}
