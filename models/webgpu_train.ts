/**
 * The epochs of models/train.ts on the WebGPU device (models with E only; MF-BPR never runs
 * tfjs). Sampling stays on the host with the same generators, so a WebGPU run sees the same
 * triples, in the same batches, as a WASM run; only the float arithmetic differs.
 *
 * Weights and Adagrad accumulators are uploaded once per training run and read back once per
 * epoch (for `onEpoch`: evaluation, checkpoints). The loss terms are summed on the device and
 * read back every {@link LOSS_READBACK_BATCHES} batches and at the end of each epoch, which is
 * also where the NaN guard looks: a divergence is reported for the window of batches it
 * happened in.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { cancelPoint, type Rng } from "../pipeline/stage/mod.ts";
import type { OptimizerState } from "./adagrad.ts";
import { assertFiniteLoss } from "./finite.ts";
import { batchStarts, sampleEpoch, sliceTriples, type TrainIndex } from "./sampler.ts";
import type { AdversaryPath } from "./bpr_step.ts";
import type {
  AdversaryConfig,
  FeatureMatrix,
  Hyper,
  ModelKind,
  TrainSet,
  Weights,
} from "./types.ts";
import {
  createDeviceWorkspace,
  deviceStep,
  disposeModel,
  downloadModel,
  uploadModel,
} from "./webgpu_step.ts";

/** Batches between two read-backs of the loss terms (each read-back waits for the device). */
export const LOSS_READBACK_BATCHES = 32;

/** One epoch's summed terms and counts (train.ts turns them into its `EpochStats`). */
export interface DeviceEpoch {
  /** Clean BPR loss summed over the epoch. */
  loss: number;
  /** Perturbed BPR loss summed over the epoch. */
  advLoss: number;
  /** Regularisation terms summed over the epoch. */
  regLoss: number;
  /** Triples used. */
  triples: number;
  /** Batches run. */
  batches: number;
  /** Wall time in milliseconds. */
  ms: number;
}

/** Everything {@link deviceEpochs} needs from `train`. */
export interface DeviceRun {
  /** Model kind (has E). */
  model: ModelKind;
  /** Training set. */
  data: TrainSet;
  /** Its sampling index. */
  index: TrainIndex;
  /** Item features. */
  features: FeatureMatrix;
  /** Hyper-parameters. */
  hp: Hyper;
  /** The live host weights (updated after every epoch). */
  weights: Weights;
  /** The live host accumulators (updated after every epoch). */
  state: OptimizerState;
  /** Order and negatives. */
  samplerRng: Rng;
  /** `rand` noise. */
  noiseRng: Rng;
  /** Adversary, as train.ts's option. */
  adversary?: AdversaryConfig;
  /** Adversary path, as train.ts's option. */
  adversaryPath?: AdversaryPath;
  /** Last epoch (inclusive). */
  epochs: number;
  /** Stops training between batches. */
  signal?: AbortSignal;
  /**
   * Called after each epoch, once the host weights and accumulators hold its result; `true`
   * stops training after that epoch.
   */
  onEpoch: (epoch: number, sums: DeviceEpoch) => Promise<boolean | void>;
}

/** Runs epochs `first..opts.epochs` on the device; the host weights hold the result. */
export async function deviceEpochs(run: DeviceRun, first: number): Promise<void> {
  const { model, data, index, features, hp, weights, state } = run;
  const m = uploadModel(weights, state);
  const workspace = createDeviceWorkspace(data.nItems);
  const sums = tf.variable(tf.zeros([3]), false);
  const cancel = cancelPoint(run.signal);
  const step = {
    model,
    features,
    regs: hp.regs,
    regulariser: hp.regulariser,
    adversary: run.adversary,
    adversaryPath: run.adversaryPath,
    rng: run.noiseRng,
    workspace,
    lr: hp.lr,
  };
  /** Reads the summed terms back and fails on a non-finite one (weights read back first). */
  const readTerms = async (epoch: number, batch: number): Promise<Float32Array> => {
    const v = await sums.data() as Float32Array;
    const terms = { loss: v[0], advLoss: v[1], regLoss: v[2] };
    if (!Number.isFinite(v[0] + v[1] + v[2])) {
      await downloadModel(m, weights, null);
      assertFiniteLoss(terms, weights, { epoch, batch });
    }
    return v;
  };
  try {
    for (let epoch = first; epoch <= run.epochs; epoch++) {
      const t0 = performance.now();
      const triples = sampleEpoch(data, index, run.samplerRng);
      const n = triples.users.length;
      const starts = batchStarts(n, hp.batchSize);
      tf.tidy(() => sums.assign(tf.zeros([3])));
      for (let b = 0; b < starts.length; b++) {
        await cancel();
        const start = starts[b];
        const batch = sliceTriples(triples, start, Math.min(n, start + hp.batchSize));
        const terms = deviceStep(m, batch, step);
        tf.tidy(() => sums.assign(tf.add(sums, terms)));
        terms.dispose();
        if ((b + 1) % LOSS_READBACK_BATCHES === 0) await readTerms(epoch, b + 1);
      }
      const v = await readTerms(epoch, starts.length);
      await downloadModel(m, weights, state);
      const stop = await run.onEpoch(epoch, {
        loss: v[0],
        advLoss: v[1],
        regLoss: v[2],
        triples: n,
        batches: starts.length,
        ms: performance.now() - t0,
      });
      if (stop === true) break;
    }
  } finally {
    sums.dispose();
    disposeModel(m);
  }
}
