/**
 * Mini-batch training of MF-BPR, DUIF, VBPR (eq. 2 and eq. 4) and AMR (paper Algorithm 1 with
 * mini-batches; docs/model.md#training-chain).
 *
 * Each epoch samples one triple per training pair (models/sampler.ts) and walks all of them in
 * batches of `hp.batchSize`, the last one possibly partial. Randomness comes from forks of
 * `opts.rng`: "init" (weights), "sampler" (order and negatives), "adversary" (rand noise), so a
 * run with an adversary of weight 0 follows the same path as the run without.
 *
 * @module
 */
import { cancelPoint, Rng, type RngState } from "../pipeline/stage/mod.ts";
import {
  type AdversaryPath,
  bprGradients,
  createStepWorkspace,
  releaseHeldRows,
  type StepOptions,
} from "./bpr_step.ts";
import { applyGradients, createOptimizerState, type OptimizerState } from "./adagrad.ts";
import { assertFiniteLoss, assertFiniteWeights } from "./finite.ts";
import { initWeights } from "./init.ts";
import {
  batchStarts,
  buildTrainIndex,
  sampleEpoch,
  sliceTriples,
  type TrainIndex,
} from "./sampler.ts";
import { initTf } from "./tf_backend.ts";
import { deviceEpochs } from "./webgpu_train.ts";
import {
  type AdversaryConfig,
  type FeatureMatrix,
  type Hyper,
  type ModelKind,
  modelSpec,
  type TrainSet,
  type Weights,
} from "./types.ts";

/** Per-epoch summary passed to `onEpoch`. */
export interface EpochStats {
  /** Mean clean BPR loss per triple. */
  loss: number;
  /** Mean BPR loss per triple on perturbed features (0 without adversary). */
  advLoss: number;
  /** Regularisation terms of the epoch's batches, per triple (objective = loss + lambda * advLoss + regLoss). */
  regLoss: number;
  /** Triples used (= training pairs). */
  triples: number;
  /** Batches run. */
  batches: number;
  /** Wall time of the epoch in milliseconds. */
  ms: number;
}

/**
 * Everything training needs to continue after `epoch` epochs bit-identically: the weights, the
 * Adagrad accumulators and the states of the sampler and adversary generators. In `onEpoch` the
 * arrays are the live ones (save them before returning); in `resume` they are copied.
 */
export interface TrainState {
  /** Epochs completed. */
  epoch: number;
  /** The weights after that epoch. */
  weights: Weights;
  /** Adagrad accumulators of the weights (`adagrad.ts`). */
  optimizer: OptimizerState;
  /** State of the "sampler" fork (order and negatives). */
  sampler: RngState;
  /** State of the "adversary" fork (rand noise). */
  noise: RngState;
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** Source of all randomness. */
  rng: Rng;
  /** Number of epochs. */
  epochs: number;
  /** Pre-trained weights to start from (copied, never modified). */
  init?: Weights;
  /** Adversary (required for `amr`; allowed for any model with features). */
  adversary?: AdversaryConfig;
  /** `closed` (default) or `materialised` computation of the `grad` adversary. */
  adversaryPath?: AdversaryPath;
  /**
   * Called after each epoch (1-based count) with the live weights and a function giving the
   * state to checkpoint; may be async. Returning `true` stops training after that epoch (early
   * stopping: the weights returned are that epoch's).
   */
  onEpoch?: (
    epoch: number,
    stats: EpochStats,
    weights: Weights,
    state: () => TrainState,
  ) => boolean | void | Promise<boolean | void>;
  /** Continue from a checkpointed state instead of starting at epoch 0. */
  resume?: TrainState;
  /** Stops training between batches. */
  signal?: AbortSignal;
}

/** A run being trained on the CPU: its live weights and optimizer, generators and step. */
interface CpuRun {
  hp: Hyper;
  opts: TrainOptions;
  weights: Weights;
  state: OptimizerState;
  /** The "sampler" fork; runs trained together share one object. */
  sampler: Rng;
  noise: Rng;
  /** The first epoch to train (1, or the one after a resumed state). */
  first: number;
  step: StepOptions;
}

/** Checks a run's model, features and adversary against each other; true on the WebGPU path. */
async function checkRun(
  model: ModelKind,
  data: TrainSet,
  features: FeatureMatrix | null,
  adversary: AdversaryConfig | undefined,
): Promise<boolean> {
  const spec = modelSpec(model);
  if (model === "amr" && !adversary) throw new Error("amr needs an adversary");
  if (adversary && !spec.hasE) throw new Error(`${model} has no features to perturb`);
  if (!spec.hasE) return false;
  if (!features) throw new Error(`${model} needs item features`);
  if (features.rows !== data.nItems) {
    throw new RangeError(`features have ${features.rows} rows for ${data.nItems} items`);
  }
  // Models with E run their epochs on the WebGPU device when that backend is active.
  return (await initTf()).backend === "webgpu";
}

/** The weights, optimizer state and generators a run starts from (fresh or resumed). */
function startRun(
  model: ModelKind,
  data: TrainSet,
  features: FeatureMatrix | null,
  hp: Hyper,
  opts: TrainOptions,
): Omit<CpuRun, "step"> {
  const resume = opts.resume;
  const weights = initWeights(
    model,
    { nUsers: data.nUsers, nItems: data.nItems, dim: features?.dim ?? 0 },
    { k: hp.k, std: hp.initStd, rng: opts.rng.fork("init"), from: resume?.weights ?? opts.init },
  );
  const state = createOptimizerState(weights);
  if (resume) copyOptimizerState(state, resume.optimizer);
  return {
    hp,
    opts,
    weights,
    state,
    sampler: resume ? Rng.fromState(resume.sampler) : opts.rng.fork("sampler"),
    noise: resume ? Rng.fromState(resume.noise) : opts.rng.fork("adversary"),
    first: (resume?.epoch ?? 0) + 1,
  };
}

/** The state `onEpoch` hands out after `epoch` (the live arrays). */
function stateOf(run: Omit<CpuRun, "step" | "hp" | "opts">, epoch: number): () => TrainState {
  return () => ({
    epoch,
    weights: run.weights,
    optimizer: run.state,
    sampler: run.sampler.state(),
    noise: run.noise.state(),
  });
}

/** Trains `model` on `data` and returns its weights. */
export async function train(
  model: ModelKind,
  data: TrainSet,
  features: FeatureMatrix | null,
  hp: Hyper,
  opts: TrainOptions,
): Promise<Weights> {
  const onDevice = await checkRun(model, data, features, opts.adversary);
  const index = buildTrainIndex(data);
  const run = startRun(model, data, features, hp, opts);
  if (onDevice) {
    await deviceEpochs({
      model,
      data,
      index,
      features: features!,
      hp,
      weights: run.weights,
      state: run.state,
      samplerRng: run.sampler,
      noiseRng: run.noise,
      adversary: opts.adversary,
      adversaryPath: opts.adversaryPath,
      epochs: opts.epochs,
      signal: opts.signal,
      onEpoch: async (epoch, sums) => {
        const n = Math.max(sums.triples, 1);
        const stats: EpochStats = {
          ...sums,
          loss: sums.loss / n,
          advLoss: sums.advLoss / n,
          regLoss: sums.regLoss / n,
        };
        return await opts.onEpoch?.(epoch, stats, run.weights, stateOf(run, epoch));
      },
    }, run.first);
    assertFiniteWeights(run.weights, `after the last epoch (${opts.epochs})`);
    return run.weights;
  }
  await cpuEpochs([cpuRun(model, data, features, run)], data, index);
  return run.weights;
}

/** One run of {@link trainGroup}: its hyper-parameters and options (its own `rng`, `onEpoch`). */
export interface GroupRun {
  hp: Hyper;
  opts: TrainOptions;
}

/**
 * Trains several runs of one model on one training set together (a fused grid level,
 * docs/performance.md#fused-grid-levels). Runs whose sampler generators are in the same state
 * at the same epoch with the same batch size (a level's points share one seed: common random
 * numbers) form a cohort: each epoch's triples are drawn and cut into batches once and every
 * run of the cohort steps through them. Each run's arithmetic is exactly that of {@link train}
 * with its own options, so every run returns the bytes it would return alone; runs that do not
 * share a sampler state (e.g. resumed from different epochs) train cohort after cohort. On the
 * WebGPU path the runs train one after another.
 *
 * @returns each run's weights, in the order of `runs`
 */
export async function trainGroup(
  model: ModelKind,
  data: TrainSet,
  features: FeatureMatrix | null,
  runs: readonly GroupRun[],
): Promise<Weights[]> {
  // Every run is checked; the backend is one for all of them.
  let onDevice = false;
  for (const r of runs) onDevice = await checkRun(model, data, features, r.opts.adversary);
  if (onDevice || runs.length <= 1) {
    const out: Weights[] = [];
    for (const r of runs) out.push(await train(model, data, features, r.hp, r.opts));
    return out;
  }
  const index = buildTrainIndex(data);
  const started = runs.map((r) => startRun(model, data, features, r.hp, r.opts));
  const cohorts = new Map<string, Omit<CpuRun, "step">[]>();
  for (const run of started) {
    const id = JSON.stringify([run.first, run.hp.batchSize, run.sampler.state()]);
    cohorts.set(id, [...(cohorts.get(id) ?? []), run]);
  }
  for (const cohort of cohorts.values()) {
    // One generator for the cohort: its state is every member's (checked above).
    const shared = cohort[0].sampler;
    await cpuEpochs(
      cohort.map((run) => cpuRun(model, data, features, { ...run, sampler: shared })),
      data,
      index,
    );
  }
  return started.map((r) => r.weights);
}

function cpuRun(
  model: ModelKind,
  data: TrainSet,
  features: FeatureMatrix | null,
  run: Omit<CpuRun, "step">,
): CpuRun {
  const hasE = modelSpec(model).hasE;
  return {
    ...run,
    step: {
      model,
      features: hasE ? features : null,
      regs: run.hp.regs,
      regulariser: run.hp.regulariser,
      adversary: run.opts.adversary,
      adversaryPath: run.opts.adversaryPath,
      rng: run.noise,
      workspace: createStepWorkspace(data.nUsers, data.nItems),
    },
  };
}

/**
 * The CPU epochs of runs that share their sampler (one object), first epoch and batch size:
 * per epoch the triples are drawn once, every run still training steps through every batch (batch
 * by batch with features, run by run without), then each hears `onEpoch`. A run leaves after its
 * last epoch or when `onEpoch` returns true.
 */
async function cpuEpochs(runs: CpuRun[], data: TrainSet, index: TrainIndex): Promise<void> {
  const { sampler, first, hp } = runs[0];
  const cancel = cancelPoint(runs[0].opts.signal);
  let active = runs.filter((r) => r.first <= r.opts.epochs);
  for (let epoch = first; active.length > 0; epoch++) {
    const ts = performance.now();
    const triples = sampleEpoch(data, index, sampler);
    const n = triples.users.length;
    const batches = batchStarts(n, hp.batchSize).map((s) =>
      sliceTriples(triples, s, Math.min(n, s + hp.batchSize))
    );
    // The draw's time is shared by the runs that use it.
    const sampleMs = (performance.now() - ts) / active.length;
    // With features, batch by batch, every run in turn: the runs' steps on one batch read the
    // same feature rows, which the step then gathers once (models/bpr_step.ts). Without, run by
    // run: each run's tables stay in the caches for a whole epoch (batch by batch, 17 MF-BPR
    // runs took 1.4-1.6x as long). Each run's arithmetic is its own, in its own order, so the
    // order across runs changes no byte.
    const sums = active.map(() => ({ loss: 0, advLoss: 0, regLoss: 0, ms: 0 }));
    const step = (r: number, b: number) => {
      const run = active[r];
      const t0 = performance.now();
      const grads = bprGradients(run.weights, batches[b], run.step);
      // Cheap divergence check on every batch (scalars); the weights are scanned only on failure.
      assertFiniteLoss(grads, run.weights, { epoch, batch: b + 1 });
      applyGradients(run.weights, grads, { state: run.state, lr: run.hp.lr });
      const sum = sums[r];
      sum.loss += grads.loss;
      sum.advLoss += grads.advLoss;
      sum.regLoss += grads.regLoss;
      sum.ms += performance.now() - t0;
    };
    if (runs[0].step.features) {
      try {
        for (let b = 0; b < batches.length; b++) {
          await cancel();
          for (let r = 0; r < active.length; r++) step(r, b);
        }
      } finally {
        releaseHeldRows();
      }
    } else {
      for (let r = 0; r < active.length; r++) {
        for (let b = 0; b < batches.length; b++) {
          await cancel();
          step(r, b);
        }
      }
    }
    const stopped = new Set<CpuRun>();
    for (const [r, run] of active.entries()) {
      const sum = sums[r];
      const stats: EpochStats = {
        loss: sum.loss / Math.max(n, 1),
        advLoss: sum.advLoss / Math.max(n, 1),
        regLoss: sum.regLoss / Math.max(n, 1),
        triples: n,
        batches: batches.length,
        ms: sum.ms + sampleMs,
      };
      const stop = await run.opts.onEpoch?.(epoch, stats, run.weights, stateOf(run, epoch));
      if (stop === true || epoch >= run.opts.epochs) stopped.add(run);
    }
    for (const run of stopped) {
      assertFiniteWeights(run.weights, `after the last epoch (${run.opts.epochs})`);
      // The cohort's generator moves on: a run that left keeps the state it left at.
      run.sampler = Rng.fromState(run.sampler.state());
    }
    active = active.filter((r) => !stopped.has(r));
  }
}

function copyOptimizerState(to: OptimizerState, from: OptimizerState): void {
  for (const name of ["P", "Q", "E", "H"] as const) {
    const dst = to[name];
    const src = from[name];
    if (!dst && !src) continue;
    if (!dst || !src || dst.length !== src.length) {
      throw new RangeError(`resume: optimizer state ${name} does not match the model`);
    }
    dst.set(src);
  }
}
