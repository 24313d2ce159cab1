/**
 * Shared body of the BPR-trained model stages (MF-BPR, DUIF, VBPR, AMR): parameter schema,
 * input/output names, the factory {@link bprStage} that declares each stage, and the run that loads the phase's data, trains with `models/train.ts`,
 * evaluates on the phase's target at epoch 0, every `evalEvery` epochs and at the last epoch,
 * and writes `scores.npy`, `curve.csv`, `train_summary.json` and one `.npy` per weight matrix.
 *
 * Inputs (by name): `train`, `validation`, `target`, `negatives`, `item_map` (see
 * `train_inputs.ts`); `features` for visual models; `init_P`, `init_Q`, `init_E` for models
 * started from another model's weights (Algorithm 1: MF -> VBPR -> AMR); `hyper` (a
 * `chosen.json`) for the `-tuned` variants, whose `override` param names the fields taken from it.
 *
 * @module
 */
import { z } from "zod";
import {
  type CheckpointData,
  decodeCheckpoint,
  encodeCheckpoint,
  type Stage,
  type StageContext,
  writeFileAtomic,
} from "../../pipeline/stage/mod.ts";
import { type EpochStats, type GroupRun, trainGroup, type TrainState } from "../../models/train.ts";
import { assertFiniteWeights } from "../../models/finite.ts";
import { initWeights } from "../../models/init.ts";
import { coldItems } from "../../models/sampler.ts";
import { backendFacts, initTf } from "../../models/tf_backend.ts";
import { deviceLatents, releaseDeviceFeatures } from "../../models/device_features.ts";
import type {
  AdversaryConfig,
  FeatureMatrix,
  Hyper,
  ModelKind,
  Weights,
} from "../../models/types.ts";
import {
  factorScorer,
  scoreMetrics,
  scoringFactors,
  targetScores,
} from "../../models/evaluation.ts";
import {
  loadFeatures,
  loadPhaseData,
  type PhaseData,
  phaseDataSummary,
  phaseFiles,
  phaseSchema,
} from "./train_inputs.ts";
import { loadWeights, saveWeights, weightFile, type WeightName } from "../../io/weights.ts";
import { readNpy } from "../../io/npy.ts";
import { bestCurveRow, curveCsv, type CurveRow } from "../../io/curve.ts";
import { writeScores } from "./model_outputs.ts";
import { writeJson } from "../../io/json.ts";
import { fmt } from "../../tables/numbers.ts";
import { chosenOverrides, overrideFieldSchema } from "./chosen.ts";
import {
  amrAdversarySchema,
  bprModelSchema,
  type DuifInit,
  duifModelSchema,
  patienceSchema,
  runSettingsSchema,
} from "../../config/profile.ts";
import { patienceExhausted, type Stopped } from "../../models/early_stop.ts";
import { type Survivors, survivorsSchema } from "./grid_runs.ts";

/**
 * A successive-halving rung run (plan/halving.ts): which rung, the epoch its `state` input
 * stopped at (0 for the first rung), the level's size and survivors, and the grid point (its
 * final node id) it looks itself up by in `survivors.json`.
 */
export const rungSchema = z.object({
  index: z.number().int().min(0),
  from: z.number().int().min(0),
  points: z.number().int().min(1),
  continuing: z.number().int().min(1),
  point: z.string().min(1),
}).strict();

/** Std of the truncated-normal initialisation of the weights a stage draws (authors: 0.01). */
export const initStdSchema = z.number().positive().default(0.01);

/** The run-wide profile settings every BPR model stage takes (`runSettingsSchema` keys). */
export const BPR_RUN_FIELDS = {
  k: true,
  batchSize: true,
  evalEvery: true,
  coldMode: true,
} as const;

/**
 * Parameters of every BPR-trained model stage: the profile's model fields
 * (`bprModelSchema`), its {@link BPR_RUN_FIELDS}, and the node's phase, init and overrides.
 */
export const bprParamsSchema = bprModelSchema.extend({
  ...runSettingsSchema.pick(BPR_RUN_FIELDS).shape,
  phase: phaseSchema.default("final"),
  initStd: initStdSchema,
  /** Fields replaced by the `hyper` input (`-tuned` variants only; MF-eALS's are not here). */
  override: z.array(overrideFieldSchema.exclude(["c0", "reg"])).default([]),
  /**
   * Early stopping (grid runs of a profile with `tune.patience`): stop once the target's NDCG@10
   * has not improved for this many evaluations. Absent: train every epoch.
   */
  patience: patienceSchema.optional(),
  /** Set on the nodes of a halving schedule's rungs (the `-rung` stages only). */
  rung: rungSchema.optional(),
}).strict();

/** VBPR: plus the score form (the profile's `vbprForm`). */
export const vbprParamsSchema = bprParamsSchema.extend({
  form: runSettingsSchema.shape.vbprForm,
}).strict();

/**
 * DUIF: plus where its P starts (the profile's `models.duif.init`). `scratch` draws P; `mf-bpr`
 * copies the stage's `init_P` input, so only a stage that declares one can run it.
 */
export const duifParamsSchema = bprParamsSchema.extend({
  init: duifModelSchema.shape.init,
}).strict();

/** AMR: plus its adversary (the profile's `amrAdversarySchema` fields). */
export const amrParamsSchema = bprParamsSchema.extend(amrAdversarySchema.shape).strict();

/** Parameters as the shared run sees them (the union of the three schemas). */
export type TrainParams =
  & z.infer<typeof bprParamsSchema>
  & Partial<Pick<z.infer<typeof vbprParamsSchema>, "form">>
  & Partial<Pick<z.infer<typeof duifParamsSchema>, "init">>
  & Partial<z.infer<typeof amrAdversarySchema>>;

/** Inputs every model stage reads (the phase's data). */
export const PHASE_INPUTS: readonly string[] = [
  "train",
  "validation",
  "target",
  "negatives",
  "item_map",
];

/** Outputs every model stage writes besides its weights. */
export const MODEL_OUTPUTS: readonly string[] = ["scores.npy", "curve.csv", "train_summary.json"];

/** What distinguishes one BPR model stage from another. */
export interface BprModelSpec {
  /** Model kind, possibly depending on params (VBPR's form). */
  kind: (p: TrainParams) => ModelKind;
  /** Reads `features`. */
  visual: boolean;
  /**
   * Weight matrices read from `init_<name>` inputs (a DUIF stage reads them only when its
   * resolved `init` is `mf-bpr`).
   */
  init: readonly WeightName[];
  /** Weight matrices written (declared outputs; absent ones are written empty). */
  weights: readonly WeightName[];
  /** Reads a `hyper` input (`chosen.json`). */
  hyperInput: boolean;
}

/** The input names of a model stage. */
export function bprInputs(spec: Pick<BprModelSpec, "visual" | "init" | "hyperInput">): string[] {
  return [
    ...PHASE_INPUTS,
    ...(spec.visual ? ["features"] : []),
    ...spec.init.map((n) => `init_${n}`),
    ...(spec.hyperInput ? ["hyper"] : []),
  ];
}

/** The output names of a model stage. */
export function bprOutputs(weights: readonly WeightName[]): string[] {
  return [...MODEL_OUTPUTS, ...weights.map(weightFile)];
}

/** Options of {@link bprStage}. */
export interface BprStageOptions<S extends z.ZodType<TrainParams>> {
  /** Stage name, e.g. "vbpr-tuned". */
  readonly name: string;
  /** `import.meta.url` of the stage module (its code goes into the cache key). */
  readonly module: string;
  /** Parameter schema: {@link bprParamsSchema} or one of its extensions. */
  readonly params: S;
  /** The model's kind, inputs and weight outputs. */
  readonly spec: BprModelSpec;
  /**
   * A successive-halving rung stage: `first` trains from the start and also writes
   * `state.ckpt` (everything a later rung continues from); `next` also reads the previous
   * rung's `state` and the halving's `survivors`, and continues or passes its results through.
   */
  readonly rung?: RungKind;
}

/** Which rung stage (see {@link BprStageOptions}). */
export type RungKind = "first" | "next";

/** The output a rung stage writes its training state to. */
export const RUNG_STATE = "state.ckpt";

/**
 * Inputs a later rung stage reads besides the model's: the previous rung's state and score rows
 * (a dropped point passes them on) and the halving's survivors.
 */
export const RUNG_INPUTS: readonly string[] = ["state", "prev_scores", "survivors"];

/**
 * The declaration of a BPR model stage (for `defineStage`): its inputs and outputs from `spec`
 * ({@link bprInputs}, {@link bprOutputs}), the tfjs runtime for a visual model (features go
 * through tfjs), {@link runBprStage} as its run and {@link runBprGroup} as its fused run.
 *
 * @param opts name, module, parameter schema and model spec
 */
export function bprStage<S extends z.ZodType<TrainParams>>(opts: BprStageOptions<S>): Stage<S> {
  const { spec } = opts;
  return {
    name: opts.name,
    module: opts.module,
    params: opts.params,
    inputs: [...bprInputs(spec), ...(opts.rung === "next" ? RUNG_INPUTS : [])],
    outputs: [...bprOutputs(spec.weights), ...(opts.rung ? [RUNG_STATE] : [])],
    ...(spec.visual ? { runtime: ["tfjs"] } : {}),
    run: (ctx) => runBprStage(ctx, spec, opts.rung),
    runGroup: (ctxs) => runBprGroup(ctxs, spec, opts.rung),
  };
}

/** Hyper-parameters after applying the `hyper` input. */
interface Resolved {
  epochs: number;
  lr: [number, number, number];
  regs: [number, number, number];
  eps?: number;
  lambda?: number;
  /** DUIF's start; undefined for the other models. */
  init?: DuifInit;
  source: string;
}

async function resolveHyper(p: TrainParams, hyperPath: string | undefined): Promise<Resolved> {
  const out: Resolved = {
    epochs: p.epochs,
    lr: [...p.lr],
    regs: [...p.regs],
    eps: p.eps,
    lambda: p.lambda,
    ...(p.init === undefined ? {} : { init: p.init }),
    source: p.source,
  };
  const chosen = await chosenOverrides(p.override, hyperPath);
  if (!chosen) return out;
  const v = chosen.values;
  for (const field of p.override) {
    if (field === "lr" || field === "regs") out[field] = [...v[field]!];
    else if (field === "init") out.init = v.init as DuifInit;
    else out[field] = v[field]!;
  }
  out.source = chosen.source;
  return out;
}

/**
 * Evaluation of a weight set on the phase's target: the score rows and HR/NDCG@10. On the
 * WebGPU backend the visual latents `E c_i` are computed on the device.
 */
function evaluator(
  data: PhaseData,
  features: FeatureMatrix | null,
  coldMode: "zero" | "official",
): (w: Weights, epoch: number) => Promise<{ scores: Float32Array; hr10: number; ndcg10: number }> {
  const cold = coldItems(data.train);
  return async (w, epoch) => {
    assertFiniteWeights(w, `at the evaluation of epoch ${epoch}`);
    const latents = w.E && features && backendFacts().backend === "webgpu"
      ? await deviceLatents(w.E, features, w.k)
      : undefined;
    const f = scoringFactors(w, features, { coldItems: cold, coldMode, latents });
    const scores = targetScores(factorScorer(f), data.target);
    const m = scoreMetrics(scores, data.target.n, 10);
    return { scores, hr10: m.hr, ndcg10: m.ndcg };
  };
}

/** Everything a BPR stage run resolves before training. */
interface PreparedRun {
  /** Model kind. */
  kind: ModelKind;
  /** Hyper-parameters after the `hyper` input. */
  hp: Resolved;
  /** The phase's training set and evaluation target. */
  data: PhaseData;
  /** Item features (visual models), else null. */
  features: FeatureMatrix | null;
  /** Weights copied from the init inputs, if any. */
  init: Weights | undefined;
  /** Training hyper-parameters. */
  hyper: Hyper;
  /** AMR's adversary, else undefined. */
  adversary: AdversaryConfig | undefined;
}

/** What the runs of a fused group share: the phase's data, features and init weights. */
interface SharedData {
  data: PhaseData;
  features: FeatureMatrix | null;
  /** Init weights by the resolved start (loaded once per start). */
  init: Map<string, Promise<Weights | undefined>>;
}

/**
 * Loads the phase's data and features once for every context of a group, after checking that
 * they all read the same data, features and init weights (the group's shared inputs).
 */
async function loadShared(
  ctxs: readonly StageContext<TrainParams>[],
  spec: BprModelSpec,
): Promise<SharedData> {
  const first = ctxs[0];
  const shared = bprInputs({ ...spec, hyperInput: false });
  for (const ctx of ctxs.slice(1)) {
    const differs = shared.find((n) => ctx.inputs[n] !== first.inputs[n]);
    if (differs) {
      throw new Error(
        `a fused group must share its data: input "${differs}" is ${ctx.inputs[differs]}, ` +
          `not ${first.inputs[differs]}`,
      );
    }
    if (ctx.params.phase !== first.params.phase) {
      throw new Error(
        `a fused group must share its phase: ${ctx.params.phase}, not ${first.params.phase}`,
      );
    }
  }
  const data = await loadPhaseData(phaseFiles(first.inputs), first.params.phase);
  const features = spec.visual
    ? await loadFeatures(first.inputs.features, data.train.nItems)
    : null;
  if (features) await initTf();
  return { data, features, init: new Map() };
}

/** Resolves a run's hyper-parameters and start against the shared data. */
async function prepareRun(
  ctx: StageContext<TrainParams>,
  spec: BprModelSpec,
  shared: SharedData,
): Promise<PreparedRun> {
  const p = ctx.params;
  const kind = spec.kind(p);
  const hp = await resolveHyper(p, ctx.inputs.hyper);
  const { data, features } = shared;
  if (hp.init === "mf-bpr" && !spec.init.includes("P")) {
    throw new Error(`params.init is "mf-bpr" but stage has no "init_P" input to start P from`);
  }
  const start = spec.init.length > 0 && hp.init !== "scratch" ? "copied" : "none";
  if (!shared.init.has(start)) {
    shared.init.set(
      start,
      start === "none" ? Promise.resolve(undefined) : loadWeights(
        Object.fromEntries(spec.init.map((n) => [n, ctx.inputs[`init_${n}`]])) as Partial<
          Record<WeightName, string>
        >,
      ),
    );
  }
  const init = await shared.init.get(start)!;
  const hyper: Hyper = {
    k: p.k,
    batchSize: p.batchSize,
    lr: hp.lr,
    regs: hp.regs,
    ...(p.regulariser ? { regulariser: p.regulariser } : {}),
    initStd: p.initStd,
  };
  let adversary: AdversaryConfig | undefined;
  if (kind === "amr") {
    adversary = { kind: p.adversary ?? "grad", eps: hp.eps ?? 0, lambda: hp.lambda ?? 0 };
  }
  return { kind, hp, data, features, init, hyper, adversary };
}

/** The run so far (what a checkpoint keeps) and the latest evaluation's score rows. */
interface RunRecord extends ProgressMeta {
  /** Score rows of the latest evaluation. */
  scores: Float32Array;
  /**
   * Milliseconds this process spent on this run's own epochs, evaluations and checkpoints: its
   * wall time alone, and its share of a fused job (whose wall time is all its runs').
   */
  spentMs: number;
}

/**
 * Restores the record from the node's checkpoint, if there is one; returns the training state
 * to resume from.
 */
async function resumeRecord(
  ctx: StageContext<TrainParams>,
  start: Weights,
  rec: RunRecord,
  label: { kind: ModelKind; epochs: number },
): Promise<TrainState | undefined> {
  const saved = await ctx.checkpoint.load();
  const resume = saved ? fromCheckpoint(saved, start) : undefined;
  if (saved && resume) {
    const m = saved.meta as unknown as ProgressMeta;
    ({
      curve: rec.curve,
      epochMs: rec.epochMs,
      lastLoss: rec.lastLoss,
      evalMs: rec.evalMs,
      secondsBefore: rec.secondsBefore,
    } = m);
    ctx.log(`resumed ${label.kind} at epoch ${resume.epoch}/${label.epochs}`);
  }
  return resume;
}

/**
 * After each epoch: records its loss and time, evaluates on evaluation epochs, reports
 * progress and saves a checkpoint when one is due (never at the last epoch: a resume always
 * has an evaluated epoch ahead of it). Returns true when the run stops here under its
 * `patience` (only ever at an evaluated epoch, so the outputs hold that epoch's evaluation).
 */
async function recordEpoch(
  ctx: StageContext<TrainParams>,
  run: {
    rec: RunRecord;
    evaluate: ReturnType<typeof evaluator>;
    epochs: number;
  },
  at: { epoch: number; stats: EpochStats; w: Weights; state: () => TrainState },
): Promise<boolean> {
  const { rec, evaluate, epochs } = run;
  const { epoch, stats, w, state } = at;
  const tr = performance.now();
  try {
    return await recordEpochTimed(ctx, rec, evaluate, epochs, { epoch, stats, w, state });
  } finally {
    rec.spentMs += stats.ms + (performance.now() - tr);
  }
}

async function recordEpochTimed(
  ctx: StageContext<TrainParams>,
  rec: RunRecord,
  evaluate: ReturnType<typeof evaluator>,
  epochs: number,
  at: { epoch: number; stats: EpochStats; w: Weights; state: () => TrainState },
): Promise<boolean> {
  const { epoch, stats, w, state } = at;
  rec.epochMs.push(stats.ms);
  rec.lastLoss = stats.loss;
  const row: CurveRow = { epoch, loss: stats.loss, hr10: null, ndcg10: null };
  if (epoch % ctx.params.evalEvery === 0 || epoch === epochs) {
    const te = performance.now();
    const r = await evaluate(w, epoch);
    rec.evalMs += performance.now() - te;
    rec.scores = r.scores;
    row.hr10 = r.hr10;
    row.ndcg10 = r.ndcg10;
  }
  rec.curve.push(row);
  const last = [...rec.curve].reverse().find((c) => c.ndcg10 !== null)!;
  ctx.progress.update(epoch, { loss: stats.loss, ndcg10: last.ndcg10! });
  if (
    row.ndcg10 !== null && epoch < epochs &&
    patienceExhausted(evaluated(rec.curve), ctx.params.patience ?? null)
  ) {
    return true;
  }
  if (epoch < epochs && ctx.checkpoint.due(epoch)) {
    const meta: ProgressMeta = {
      curve: rec.curve,
      epochMs: rec.epochMs,
      lastLoss: rec.lastLoss,
      evalMs: rec.evalMs,
      secondsBefore: rec.secondsBefore + rec.spentMs / 1000,
    };
    await ctx.checkpoint.save(toCheckpoint(state(), meta));
  }
  return false;
}

/** The NDCG@10 of the curve's evaluated rows, in order. */
function evaluated(curve: readonly CurveRow[]): number[] {
  return curve.filter((r) => r.ndcg10 !== null).map((r) => r.ndcg10!);
}

/** Where a run ended: its last curve row, and whether that is before its planned epochs. */
function stoppedAt(curve: readonly CurveRow[], epochs: number): Stopped {
  const epoch = curve[curve.length - 1].epoch;
  return { epoch, reason: epoch < epochs ? "patience" : "epochs" };
}

/** `train_summary.json` of a finished run. */
function trainSummary(
  p: TrainParams,
  spec: BprModelSpec,
  run: PreparedRun,
  done: { rec: RunRecord; seconds: number; last: CurveRow; best: CurveRow; stopped: Stopped },
) {
  const { kind, hp, data, adversary } = run;
  const { rec, seconds, last, best } = done;
  const trained = bestCurveRow(rec.curve.filter((r) => r.epoch >= 1));
  return {
    model: kind,
    phase: p.phase,
    epochs: hp.epochs,
    // Early stopping: the patience the run had (null: none) and where and why it ended.
    patience: p.patience ?? null,
    stopped: done.stopped,
    ...(p.rung ? { rung: p.rung } : {}),
    seconds,
    evalSeconds: rec.evalMs / 1000,
    finalLoss: rec.lastLoss,
    meanEpochMs: rec.epochMs.reduce((a, b) => a + b, 0) / Math.max(1, rec.epochMs.length),
    epochMs: rec.epochMs.map((v) => Math.round(v * 10) / 10),
    hyper: {
      k: p.k,
      batchSize: p.batchSize,
      lr: hp.lr,
      regs: hp.regs,
      regulariser: p.regulariser ?? "official",
      initStd: p.initStd,
      ...(adversary
        ? { eps: adversary.eps, lambda: adversary.lambda, adversary: adversary.kind }
        : {}),
      ...(p.form ? { form: p.form } : {}),
      ...(hp.init ? { init: hp.init } : {}),
    },
    source: hp.source,
    coldMode: p.coldMode,
    init: run.init ? `copied ${spec.init.join(", ")} from the init inputs` : "random",
    ...phaseDataSummary(data),
    final: { epoch: last.epoch, hr10: last.hr10, ndcg10: last.ndcg10 },
    best: { epoch: best.epoch, hr10: best.hr10, ndcg10: best.ndcg10 },
    // Epoch 0 is the start (random, or another model's weights): a selection chooses among
    // trained epochs only and says when none of them beat the start (stages/tune-select.ts).
    start: { epoch: 0, hr10: rec.curve[0].hr10, ndcg10: rec.curve[0].ndcg10 },
    bestTrained: trained
      ? { epoch: trained.epoch, hr10: trained.hr10, ndcg10: trained.ndcg10 }
      : null,
  };
}

/** Writes `scores.npy`, `curve.csv`, the weights and `train_summary.json`; returns the summary. */
async function writeRunOutputs(
  ctx: StageContext<TrainParams>,
  spec: BprModelSpec,
  run: PreparedRun,
  done: { weights: Weights; rec: RunRecord; seconds: number; stopped: Stopped },
): Promise<{ summary: ReturnType<typeof trainSummary>; last: CurveRow; best: CurveRow }> {
  const { data } = run;
  const { rec } = done;
  await writeScores(`${ctx.outDir}/scores.npy`, rec.scores, {
    users: data.target.users,
    n: data.target.n,
    targets: data.target.items,
  });
  await Deno.writeTextFile(`${ctx.outDir}/curve.csv`, curveCsv(rec.curve));
  await saveWeights(ctx.outDir, done.weights, { declared: spec.weights });
  const best = bestCurveRow(rec.curve)!;
  const last = rec.curve[rec.curve.length - 1];
  const summary = trainSummary(ctx.params, spec, run, {
    rec,
    seconds: done.seconds,
    last,
    best,
    stopped: done.stopped,
  });
  await writeJson(`${ctx.outDir}/train_summary.json`, summary);
  return { summary, last, best };
}

/**
 * Runs a BPR model stage (see the module comment): {@link runBprGroup} with one context.
 *
 * @param ctx stage context
 * @param spec the model's kind, inputs and weight outputs
 * @param rung a successive-halving rung stage's kind (see {@link BprStageOptions})
 * @returns the manifest summary
 */
export async function runBprStage(
  ctx: StageContext<TrainParams>,
  spec: BprModelSpec,
  rung?: RungKind,
): Promise<Record<string, unknown>> {
  return (await runBprGroup([ctx], spec, rung))[0];
}

/**
 * Runs the nodes of a fused grid level (`Stage.runGroup`; docs/performance.md#fused-grid-levels):
 * the data, features and init weights are loaded once, every point starts (epoch 0 evaluated,
 * or a checkpoint or previous rung resumed), the points that train do so together
 * (`trainGroup`: each epoch's triples drawn once), and each point writes its own outputs. Every
 * point writes exactly what it writes alone.
 *
 * @returns each context's manifest summary, in order
 */
export async function runBprGroup(
  ctxs: readonly StageContext<TrainParams>[],
  spec: BprModelSpec,
  rung?: RungKind,
): Promise<Record<string, unknown>[]> {
  for (const ctx of ctxs) {
    if (rung && !ctx.params.rung) throw new Error(`params.rung: required by a ${rung} rung stage`);
    if (!rung && ctx.params.rung) throw new Error(`params.rung: set, but this is not a rung stage`);
  }
  const shared = await loadShared(ctxs, spec);
  try {
    const points: PointRun[] = [];
    for (const ctx of ctxs) {
      points.push(await beginPoint(ctx, await prepareRun(ctx, spec, shared), rung));
    }
    const kind = points[0].run.kind;
    const other = points.find((pt) => pt.run.kind !== kind);
    if (other) {
      throw new Error(`a fused group must train one model: ${other.run.kind}, not ${kind}`);
    }
    const training = points.filter((pt) => pt.job);
    const weights = await trainGroup(
      kind,
      shared.data.train,
      shared.features,
      training.map((pt) => pt.job!),
    );
    training.forEach((pt, i) => {
      pt.weights = weights[i];
    });
    const out: Record<string, unknown>[] = [];
    for (const pt of points) out.push(await finishPoint(pt, spec));
    return out;
  } finally {
    // The device copy of the features (WebGPU) lives for this stage only; no-op on WASM.
    if (shared.features) releaseDeviceFeatures(shared.features);
  }
}

/** Where a run starts: the record so far, the state to continue from, whether it trains. */
interface RunStart {
  rec: RunRecord;
  resume: TrainState | undefined;
  /** False for a later rung's point that halving did not keep (or that patience stopped). */
  trains: boolean;
  /** Why it does not train (when `trains` is false). */
  carried?: Stopped;
}

/**
 * The start of a run: epoch 0 evaluated on the initial weights, or (a later rung) the previous
 * rung's state and curve, checked against this node's `rung` params and the halving's
 * `survivors.json`.
 */
async function runStart(
  ctx: StageContext<TrainParams>,
  evaluate: ReturnType<typeof evaluator>,
  start: Weights,
  rung: RungKind | undefined,
): Promise<RunStart> {
  if (rung !== "next") {
    const first = await evaluate(start, 0);
    const rec: RunRecord = {
      curve: [{ epoch: 0, loss: null, hr10: first.hr10, ndcg10: first.ndcg10 }],
      epochMs: [],
      lastLoss: NaN,
      evalMs: 0,
      secondsBefore: 0,
      scores: first.scores,
      spentMs: 0,
    };
    return { rec, resume: undefined, trains: true };
  }
  const r = ctx.params.rung!;
  const prev = await readRungState(ctx.inputs.state, start);
  // A point that trained the previous rung through ends at its last epoch; one stopped earlier
  // (by halving or patience) ends before it and is only passed through.
  const ended = prev.stopped !== undefined && prev.stopped.reason !== "epochs";
  if (ended ? prev.state.epoch > r.from : prev.state.epoch !== r.from) {
    throw new Error(
      `${ctx.inputs.state}: the previous rung stopped at epoch ${prev.state.epoch}, but ` +
        `params.rung.from is ${r.from}`,
    );
  }
  const survivors = await readSurvivors(ctx.inputs.survivors);
  if (survivors.rung !== r.index - 1 || survivors.survivors.length > r.continuing) {
    throw new Error(
      `${ctx.inputs.survivors}: rung ${survivors.rung} keeping ${survivors.survivors.length}, ` +
        `but this node expects rung ${r.index - 1} keeping at most ${r.continuing} (params.rung)`,
    );
  }
  const rec: RunRecord = {
    curve: prev.curve,
    epochMs: [],
    lastLoss: prev.lastLoss,
    evalMs: 0,
    secondsBefore: 0,
    scores: new Float32Array(0),
    spentMs: 0,
  };
  if (ended) return { rec, resume: prev.state, trains: false, carried: prev.stopped };
  if (!survivors.survivors.includes(r.point)) {
    return {
      rec,
      resume: prev.state,
      trains: false,
      carried: { epoch: prev.state.epoch, reason: "halving" },
    };
  }
  return { rec, resume: prev.state, trains: true };
}

/** One point of a run: its context, its start and, while it trains, its training job. */
interface PointRun {
  ctx: StageContext<TrainParams>;
  run: PreparedRun;
  rung: RungKind | undefined;
  begun: RunStart;
  /** Its training (absent for a point passed through). */
  job?: GroupRun;
  /** The state after its last epoch trained here. */
  last?: () => TrainState;
  /** Where training continued from (a checkpoint or the previous rung). */
  resume?: TrainState;
  /** The weights training returned. */
  weights?: Weights;
}

/** Starts a point: epoch 0 (or its resumed record) and, when it trains, its training job. */
async function beginPoint(
  ctx: StageContext<TrainParams>,
  run: PreparedRun,
  rung: RungKind | undefined,
): Promise<PointRun> {
  const p = ctx.params;
  const { kind, hp, data, features } = run;
  const evaluate = evaluator(data, features, p.coldMode);
  const start = initWeights(kind, {
    nUsers: data.train.nUsers,
    nItems: data.train.nItems,
    dim: features?.dim ?? 0,
  }, { k: p.k, std: p.initStd, rng: ctx.rng.fork("init"), from: run.init });
  const begun = await runStart(ctx, evaluate, start, rung);
  const point: PointRun = { ctx, run, rung, begun };
  if (!begun.trains) return point;
  const { rec } = begun;
  const resume = (await resumeRecord(ctx, start, rec, { kind, epochs: hp.epochs })) ??
    begun.resume;
  point.resume = resume;
  ctx.progress.start(hp.epochs, `${kind} ${p.phase}`);
  if (resume) ctx.progress.update(resume.epoch);
  point.job = {
    hp: run.hyper,
    opts: {
      rng: ctx.rng,
      epochs: hp.epochs,
      init: run.init,
      adversary: run.adversary,
      signal: ctx.signal,
      resume,
      onEpoch: (epoch, stats, w, state) => {
        point.last = state;
        return recordEpoch(ctx, { rec, evaluate, epochs: hp.epochs }, { epoch, stats, w, state });
      },
    },
  };
  return point;
}

/** Writes a started point's outputs after training (or passes its previous rung through). */
async function finishPoint(point: PointRun, spec: BprModelSpec): Promise<Record<string, unknown>> {
  const { ctx, run, rung, begun } = point;
  const p = ctx.params;
  const { kind, hp, data } = run;
  const { rec } = begun;
  let weights: Weights;
  let final: TrainState;
  let stopped: Stopped;
  if (begun.trains) {
    ctx.progress.stop();
    weights = point.weights!;
    // No epoch ran only when a checkpoint (or the previous rung) was already at the end.
    final = point.last?.() ?? point.resume!;
    stopped = stoppedAt(rec.curve, hp.epochs);
  } else {
    // Passed through: the previous rung's weights and score rows, not evaluated again.
    final = begun.resume!;
    weights = final.weights;
    const width = 1 + data.target.n;
    rec.scores = (await readNpy(ctx.inputs.prev_scores, {
      dtype: "float32",
      shape: [data.target.users, width],
    })).data as Float32Array;
    stopped = begun.carried!;
  }
  const seconds = rec.secondsBefore + rec.spentMs / 1000;
  // Evaluations this node made (the cost model's calibration): its evaluated curve rows after
  // the rung's start (with epoch 0 for a run from the start); none for a pass-through.
  const from = p.rung?.from ?? 0;
  const evaluations = begun.trains
    ? rec.curve.filter((r) =>
      r.ndcg10 !== null && (r.epoch > from || (from === 0 && r.epoch === 0))
    )
      .length
    : 0;
  const { summary, last, best } = await writeRunOutputs(ctx, spec, run, {
    weights,
    rec,
    seconds,
    stopped,
  });
  if (rung) {
    await writeFileAtomic(
      `${ctx.outDir}/${RUNG_STATE}`,
      encodeCheckpoint(RUNG_STATE_KEY, toRungState(final, rec, stopped), ""),
    );
  }
  const ran = stopped.reason === "patience"
    ? `${stopped.epoch} of ${hp.epochs} epochs (stopped: no validation gain in ${p.patience} evaluations)`
    : stopped.reason === "halving"
    ? `dropped by halving at epoch ${stopped.epoch} (results passed through)`
    : `${hp.epochs} epochs`;
  ctx.log(
    `${kind} ${p.phase}: ${ran} in ${seconds.toFixed(1)} s ` +
      `(${summary.meanEpochMs.toFixed(1)} ms/epoch), HR@10 ${fmt(last.hr10)} ` +
      `NDCG@10 ${fmt(last.ndcg10)}`,
  );
  return {
    model: kind,
    phase: p.phase,
    epochs: hp.epochs,
    // Epochs this node trained: fewer than `epochs` when it stopped early or continued a rung.
    epochsRun: rec.epochMs.length,
    evaluations,
    ...(p.patience === undefined ? {} : { patience: p.patience }),
    ...(p.rung ? { rung: p.rung.index, stopped: stopped.reason } : {}),
    seconds: Math.round(seconds * 10) / 10,
    meanEpochMs: Math.round(summary.meanEpochMs * 10) / 10,
    finalLoss: rec.lastLoss,
    hr10: last.hr10,
    ndcg10: last.ndcg10,
    bestEpoch: best.epoch,
    ...(hp.init ? { init: hp.init } : {}),
    source: hp.source,
  };
}

/** What a checkpoint of a BPR stage keeps besides the training state. */
interface ProgressMeta {
  curve: CurveRow[];
  epochMs: number[];
  lastLoss: number;
  evalMs: number;
  /** Training seconds spent before this checkpoint (across earlier resumes). */
  secondsBefore: number;
}

function toCheckpoint(state: TrainState, progress: ProgressMeta): CheckpointData {
  const w = state.weights;
  const o = state.optimizer;
  const arrays: CheckpointData["arrays"] = { P: w.P, accP: o.P };
  if (w.Q && o.Q) Object.assign(arrays, { Q: w.Q, accQ: o.Q });
  if (w.E && o.E) Object.assign(arrays, { E: w.E, accE: o.E });
  if (w.H && o.H) Object.assign(arrays, { H: w.H, accH: o.H });
  return {
    meta: {
      ...progress,
      // JSON has no NaN: the loss of a run without epochs is NaN.
      lastLoss: Number.isFinite(progress.lastLoss) ? progress.lastLoss : null,
      epoch: state.epoch,
      sampler: state.sampler,
      noise: state.noise,
      k: w.k,
      dim: w.dim,
    },
    arrays,
  };
}

/** The training state saved by `toCheckpoint`; checks it against the fresh weights' shapes. */
function fromCheckpoint(saved: CheckpointData, shape: Weights): TrainState {
  const m = saved.meta as Record<string, unknown>;
  const a = saved.arrays as Record<string, Float32Array | undefined>;
  const f32 = (name: string): Float32Array | null => {
    const v = a[name];
    if (v === undefined) return null;
    if (!(v instanceof Float32Array)) throw new Error(`checkpoint: ${name} is not float32`);
    return v;
  };
  const weights: Weights = {
    P: f32("P")!,
    Q: f32("Q"),
    E: f32("E"),
    k: m.k as number,
    dim: m.dim as number,
  };
  const H = f32("H");
  if (H) weights.H = H;
  if (
    weights.k !== shape.k || weights.dim !== shape.dim || !weights.P ||
    weights.P.length !== shape.P.length || (weights.Q?.length ?? 0) !== (shape.Q?.length ?? 0) ||
    (weights.E?.length ?? 0) !== (shape.E?.length ?? 0) ||
    (H?.length ?? 0) !== (shape.H?.length ?? 0)
  ) {
    throw new Error("checkpoint does not match the model's shapes");
  }
  if (m.lastLoss === null) m.lastLoss = NaN;
  return {
    epoch: m.epoch as number,
    weights,
    optimizer: { P: f32("accP")!, Q: f32("accQ"), E: f32("accE"), H: f32("accH") },
    sampler: m.sampler as TrainState["sampler"],
    noise: m.noise as TrainState["noise"],
  };
}

/** The key recorded in a rung's `state.ckpt` (checked on load). */
const RUNG_STATE_KEY = "rung-state";

/**
 * A rung's `state.ckpt`: the training state with the curve so far and where the run stopped,
 * without timings, so the file is reproducible byte for byte.
 */
function toRungState(state: TrainState, rec: RunRecord, stopped: Stopped): CheckpointData {
  const data = toCheckpoint(state, {
    curve: rec.curve,
    epochMs: [],
    lastLoss: rec.lastLoss,
    evalMs: 0,
    secondsBefore: 0,
  });
  return { ...data, meta: { ...data.meta, stopped } };
}

/** What a later rung reads of the previous rung's `state.ckpt`. */
interface RungState {
  state: TrainState;
  curve: CurveRow[];
  lastLoss: number;
  stopped: Stopped | undefined;
}

/** Reads and checks a previous rung's `state.ckpt` against this model's shapes. */
async function readRungState(path: string, shape: Weights): Promise<RungState> {
  let saved: CheckpointData;
  try {
    saved = decodeCheckpoint(await Deno.readFile(path), RUNG_STATE_KEY);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  const state = fromCheckpoint(saved, shape);
  const m = saved.meta as unknown as ProgressMeta & { stopped?: Stopped };
  if (!Array.isArray(m.curve) || m.curve.length === 0) {
    throw new Error(`${path}: field "meta.curve": expected the curve so far`);
  }
  return {
    state,
    curve: m.curve,
    lastLoss: m.lastLoss === null ? NaN : m.lastLoss,
    stopped: m.stopped,
  };
}

/** Reads and validates a halving rung's `survivors.json`. */
async function readSurvivors(path: string): Promise<Survivors> {
  const parsed = survivorsSchema.safeParse(JSON.parse(await Deno.readTextFile(path)));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${path}: field "${i.path.join(".")}": ${i.message}`);
  }
  return parsed.data;
}
