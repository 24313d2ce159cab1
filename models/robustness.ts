/**
 * Test-time robustness of a trained visual model (paper sec. 4.3.2: Table 3, Figures 4 and 5):
 * the test ranking under perturbed item features `c_i + Delta_i`.
 *
 * The `grad` adversary's direction is the gradient of the clean BPR loss summed over training
 * triples (paper eq. 6): one epoch of triples, every training pair once with one sampled
 * negative ({@link adversaryGradients}). Items in no triple (cold-start items) get no `grad`
 * perturbation. `rand` is Gaussian noise rescaled to the same L2 radius eps per item.
 *
 * Every item of the ranking is perturbed (the test item and its negatives); scores use the same
 * scoring factors as training curves (`models/evaluation.ts`), with `E Delta_i` added to item
 * i's visual part (`models/perturb.ts`); ranks and metrics come from `models/evaluation.ts`.
 *
 * @module
 */
import type { Rng } from "../pipeline/stage/mod.ts";
import { itemLossGradients, perturbationLatents } from "./perturb.ts";
import { buildTrainIndex, sampleEpoch } from "./sampler.ts";
import type { AdversaryKind, FeatureMatrix, TrainSet, Weights } from "./types.ts";
import type { ColdMode } from "./score.ts";
import { assertFiniteTargetRows } from "./finite.ts";
import { type EvalTarget, factorScorer, scoringFactors, targetScores } from "./evaluation.ts";

/** Where the adversary's gradient comes from; printed in every robustness output. */
export const ADVERSARY_NOTE =
  "The grad adversary's direction is the gradient of the clean BPR loss summed over training " +
  "triples (paper eq. 6: one epoch of triples, each training pair with one sampled negative), " +
  "normalised to L2 radius eps per item; rand is Gaussian noise rescaled to the same radius. " +
  "Every ranked item (test item and negatives) is perturbed at test time; cold-start items are " +
  "in no training triple and get no grad perturbation.";

/** A trained model and what scoring it needs. */
export interface AttackedModel {
  /** Weights (P, Q, E; H for eq. 2). */
  weights: Weights;
  /** Scaled item features. */
  features: FeatureMatrix;
  /** Cold-start flags per item (1 = no training interaction). */
  coldItems: Uint8Array;
  /** Cold items' ID embedding at test time. */
  coldMode: ColdMode;
  /** Every item's `E c_i`, computed elsewhere (on the WebGPU device); absent: on WASM. */
  latents?: Float32Array;
}

/** One perturbation to apply. */
export interface Attack {
  /** `grad` (adversarial), `rand` (Gaussian) or `sign` (FGSM). */
  kind: AdversaryKind;
  /** L2 radius per item (per-element size for `sign`); 0 = clean. */
  eps: number;
  /** Item gradients `g` of {@link adversaryGradients} (needed for grad and sign). */
  g: Float64Array;
  /** Noise source (needed for rand). */
  rng?: Rng;
  /** Every item's `E Delta_i`, computed elsewhere (on the WebGPU device); absent: on WASM. */
  latent?: Float32Array;
}

/**
 * The adversary's item gradients `g` (items x K; `E^T g_i` is the loss gradient with respect to
 * feature row i) from the clean BPR loss summed over one epoch of training triples.
 *
 * @param w model weights
 * @param features item features
 * @param train training pairs
 * @param rng draws the triples' order and negatives
 * @param latents every item's `E c_i` when computed elsewhere (on the WebGPU device)
 */
export function adversaryGradients(
  w: Weights,
  features: FeatureMatrix,
  train: TrainSet,
  rng: Rng,
  latents?: Float32Array,
): Float64Array {
  const triples = sampleEpoch(train, buildTrainIndex(train), rng);
  return itemLossGradients(w, features, triples, latents);
}

/**
 * Score rows of every user (target, then its negatives) with every item's features perturbed.
 *
 * @param model weights, features and cold-item handling
 * @param target test items and negatives
 * @param attack perturbation kind and radius (eps 0: the clean scores)
 * @returns float32 `[users, 1 + n]`, NaN rows for users without a target
 */
export function attackedScores(
  model: AttackedModel,
  target: EvalTarget,
  attack: Attack,
): Float32Array {
  const w = model.weights;
  const f = scoringFactors(w, model.features, {
    coldItems: model.coldItems,
    coldMode: model.coldMode,
    latents: model.latents,
  });
  if (attack.eps > 0) {
    const nItems = model.features.rows;
    const items = new Int32Array(nItems);
    for (let i = 0; i < nItems; i++) items[i] = i;
    const latent = attack.latent ?? perturbationLatents(w, attack.g, items, {
      kind: attack.kind,
      eps: attack.eps,
      rng: attack.rng,
    });
    const k = w.k;
    // eq. 4: V_i = q_i + E c_i (width K); eq. 2: V_i = [q_i | E c_i] (width 2K).
    const offset = w.H ? k : 0;
    for (let i = 0; i < nItems; i++) {
      for (let c = 0; c < k; c++) f.V[i * f.k + offset + c] += latent[i * k + c];
    }
  }
  const scores = targetScores(factorScorer(f), target);
  // A NaN score would otherwise be ranked silently (as "no target", or as beating the target).
  assertFiniteTargetRows(scores, `attacked scores (${attack.kind}, eps ${attack.eps})`, {
    users: target.users,
    width: 1 + target.n,
    targets: target.items,
  });
  return scores;
}

/**
 * Relative change `(attacked - clean) / clean` (negative: a drop); NaN when clean is 0.
 *
 * @param clean clean value
 * @param attacked value under perturbation
 */
export function relativeChange(clean: number, attacked: number): number {
  return clean === 0 ? NaN : (attacked - clean) / clean;
}

/**
 * Per-user rank change, attacked minus clean (positive: the test item fell), NaN for users
 * without a target.
 *
 * @param clean clean ranks (-1 = none)
 * @param attacked ranks under perturbation
 */
export function rankChanges(clean: Int32Array, attacked: Int32Array): Float32Array {
  const out = new Float32Array(clean.length);
  for (let u = 0; u < clean.length; u++) {
    out[u] = clean[u] < 0 || attacked[u] < 0 ? NaN : attacked[u] - clean[u];
  }
  return out;
}

/** Summary statistics of a rank-change distribution (Figure 5). */
export interface ChangeStats {
  /** Users with a change. */
  users: number;
  /** Mean change. */
  mean: number;
  /** Standard deviation. */
  std: number;
  /** Median. */
  median: number;
  /** Share of users whose test item fell (change > 0). */
  worse: number;
  /** Share with no change. */
  unchanged: number;
  /** Share whose test item rose (change < 0). */
  better: number;
  /** Share with change > 500 (the paper's remark on Pinterest). */
  over500: number;
}

/**
 * Statistics of the non-NaN changes.
 *
 * @param changes per-user changes (NaN = none)
 */
export function changeStats(changes: Float32Array): ChangeStats {
  const xs = [...changes].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = xs.length;
  const mean = n ? xs.reduce((a, b) => a + b, 0) / n : NaN;
  const std = n ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n) : NaN;
  const median = n === 0 ? NaN : n % 2 ? xs[(n - 1) / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
  const share = (p: (v: number) => boolean) => (n ? xs.filter(p).length / n : NaN);
  return {
    users: n,
    mean,
    std,
    median,
    worse: share((v) => v > 0),
    unchanged: share((v) => v === 0),
    better: share((v) => v < 0),
    over500: share((v) => v > 500),
  };
}
