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
import { type AdversaryPath, bprGradients, createStepWorkspace } from "./bpr_step.ts";
import { applyGradients, createOptimizerState, type OptimizerState } from "./adagrad.ts";
import { assertFiniteLoss, assertFiniteWeights } from "./finite.ts";
import { initWeights } from "./init.ts";
import { batchStarts, buildTrainIndex, sampleEpoch, sliceTriples } from "./sampler.ts";
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

/** Trains `model` on `data` and returns its weights. */
export async function train(
  model: ModelKind,
  data: TrainSet,
  features: FeatureMatrix | null,
  hp: Hyper,
  opts: TrainOptions,
): Promise<Weights> {
  const spec = modelSpec(model);
  // Models with E run their epochs on the WebGPU device when that backend is active.
  let onDevice = false;
  if (model === "amr" && !opts.adversary) throw new Error("amr needs an adversary");
  if (opts.adversary && !spec.hasE) throw new Error(`${model} has no features to perturb`);
  if (spec.hasE) {
    if (!features) throw new Error(`${model} needs item features`);
    if (features.rows !== data.nItems) {
      throw new RangeError(`features have ${features.rows} rows for ${data.nItems} items`);
    }
    onDevice = (await initTf()).backend === "webgpu";
  }
  const resume = opts.resume;
  const weights = initWeights(
    model,
    { nUsers: data.nUsers, nItems: data.nItems, dim: features?.dim ?? 0 },
    { k: hp.k, std: hp.initStd, rng: opts.rng.fork("init"), from: resume?.weights ?? opts.init },
  );
  const state = createOptimizerState(weights);
  if (resume) copyOptimizerState(state, resume.optimizer);
  const index = buildTrainIndex(data);
  const workspace = createStepWorkspace(data.nUsers, data.nItems);
  const samplerRng = resume ? Rng.fromState(resume.sampler) : opts.rng.fork("sampler");
  const noiseRng = resume ? Rng.fromState(resume.noise) : opts.rng.fork("adversary");
  const checkpoint = (epoch: number) => (): TrainState => ({
    epoch,
    weights,
    optimizer: state,
    sampler: samplerRng.state(),
    noise: noiseRng.state(),
  });
  const first = (resume?.epoch ?? 0) + 1;
  if (onDevice) {
    await deviceEpochs({
      model,
      data,
      index,
      features: features!,
      hp,
      weights,
      state,
      samplerRng,
      noiseRng,
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
        return await opts.onEpoch?.(epoch, stats, weights, checkpoint(epoch));
      },
    }, first);
    assertFiniteWeights(weights, `after the last epoch (${opts.epochs})`);
    return weights;
  }
  const cancel = cancelPoint(opts.signal);
  const step = {
    model,
    features: spec.hasE ? features : null,
    regs: hp.regs,
    regulariser: hp.regulariser,
    adversary: opts.adversary,
    adversaryPath: opts.adversaryPath,
    rng: noiseRng,
    workspace,
  };
  for (let epoch = first; epoch <= opts.epochs; epoch++) {
    const t0 = performance.now();
    const triples = sampleEpoch(data, index, samplerRng);
    const n = triples.users.length;
    const starts = batchStarts(n, hp.batchSize);
    let loss = 0;
    let advLoss = 0;
    let regLoss = 0;
    for (let b = 0; b < starts.length; b++) {
      await cancel();
      const start = starts[b];
      const batch = sliceTriples(triples, start, Math.min(n, start + hp.batchSize));
      const grads = bprGradients(weights, batch, step);
      // Cheap divergence check on every batch (scalars); the weights are scanned only on failure.
      assertFiniteLoss(grads, weights, { epoch, batch: b + 1 });
      applyGradients(weights, grads, { state, lr: hp.lr });
      loss += grads.loss;
      advLoss += grads.advLoss;
      regLoss += grads.regLoss;
    }
    const stats: EpochStats = {
      loss: loss / Math.max(n, 1),
      advLoss: advLoss / Math.max(n, 1),
      regLoss: regLoss / Math.max(n, 1),
      triples: n,
      batches: starts.length,
      ms: performance.now() - t0,
    };
    if (await opts.onEpoch?.(epoch, stats, weights, checkpoint(epoch)) === true) break;
  }
  assertFiniteWeights(weights, `after the last epoch (${opts.epochs})`);
  return weights;
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
