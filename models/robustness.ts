/**
 * Test-time robustness of a trained visual model (paper sec. 4.3.2: Table 3, Figures 4 and 5):
 * the test ranking under perturbed item features `c_i + Delta_i`.
 *
 * The paper's `grad` adversary's direction is the gradient of the clean BPR loss summed over
 * training triples (paper eq. 6): one epoch of triples, every training pair once with one sampled
 * negative ({@link adversaryGradients}). Items in no triple (cold-start items) get no gradient.
 * `rand` is Gaussian noise rescaled to the same L2 radius eps per item.
 *
 * Every kind perturbs the same items: those whose adversary gradient is non-zero
 * ({@link gradientItems}), so `grad` and `rand` compare attacks of equal reach (with eq. 6 these
 * are the warm items; cold-start items are left unperturbed by both). {@link runAttack} counts
 * the items it actually perturbed.
 *
 * Beside the paper's adversary, {@link testAdversaryGradients} is a worst-case test-time one: the
 * gradient of the test ranking loss (each user's test item against its sampled negatives,
 * scored as at test time), which also reaches cold test items. It is not in the paper.
 *
 * Scores use the same scoring factors as training curves (`models/evaluation.ts`), with
 * `E Delta_i` added to item i's visual part (`models/perturb.ts`); ranks and metrics come from
 * `models/evaluation.ts`.
 *
 * @module
 */
import type { Rng } from "../pipeline/stage/mod.ts";
import { itemLossGradients, perturbationLatents } from "./perturb.ts";
import { buildTrainIndex, sampleEpoch } from "./sampler.ts";
import type { AdversaryKind, FeatureMatrix, TrainSet, Triples, Weights } from "./types.ts";
import type { ColdMode } from "./score.ts";
import { assertFiniteTargetRows } from "./finite.ts";
import { type EvalTarget, factorScorer, scoringFactors, targetScores } from "./evaluation.ts";

/** Where the paper's adversary's gradient comes from; printed in every robustness output. */
export const ADVERSARY_NOTE =
  "The grad adversary's direction is the gradient of the clean BPR loss summed over training " +
  "triples (paper eq. 6: one epoch of triples, each training pair with one sampled negative), " +
  "normalised to L2 radius eps per item; rand is Gaussian noise rescaled to the same radius. " +
  "Both kinds perturb the same items, those the gradient reaches: every item in a training " +
  "triple (the warm items), whether test item or negative. Cold-start items are in no training " +
  "triple and are perturbed by neither kind.";

/** Where the worst-case test-time adversary's gradient comes from (not in the paper). */
export const TEST_ADVERSARY_NOTE =
  "Not in the paper: a worst-case test-time adversary whose direction is the gradient of the " +
  "test ranking loss (the BPR loss of each user's test item against each of its sampled test " +
  "negatives, scored as at test time), normalised to L2 radius eps per item. It perturbs every " +
  "ranked item, cold-start test items included, which the paper's eq. 6 adversary cannot reach.";

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
  /**
   * Item gradients `g` ({@link adversaryGradients} or {@link testAdversaryGradients}): the
   * direction of grad and sign, and for every kind the items perturbed ({@link gradientItems}).
   */
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
 * The test ranking triples: for every user with a target, one row (user, test item, negative)
 * per stored negative, in user then negative order.
 *
 * @param target test items and negatives
 */
export function testLossTriples(target: EvalTarget): Triples {
  const rows = target.evaluated * target.n;
  const users = new Int32Array(rows);
  const pos = new Int32Array(rows);
  const neg = new Int32Array(rows);
  let r = 0;
  for (let u = 0; u < target.users; u++) {
    const t = target.items[u];
    if (t < 0) continue;
    for (let c = 0; c < target.n; c++, r++) {
      users[r] = u;
      pos[r] = t;
      neg[r] = target.negatives[u * target.n + c];
    }
  }
  if (r !== rows) {
    throw new Error(
      `test target: ${r / target.n} users have a target, "evaluated" says ${target.evaluated}`,
    );
  }
  return { users, pos, neg };
}

/**
 * The worst-case test-time adversary's item gradients `g` (items x K; not in the paper): the
 * gradient of the test ranking loss, the BPR loss summed over {@link testLossTriples}, with each
 * item scored as at test time (cold items' ID embedding zeroed in `zero` mode), so cold test
 * items get a gradient too.
 *
 * @param model weights, features and cold-item handling
 * @param target test items and negatives
 */
export function testAdversaryGradients(model: AttackedModel, target: EvalTarget): Float64Array {
  const w = model.weights;
  let Q = w.Q;
  if (Q && model.coldMode === "zero") {
    Q = Q.slice();
    for (let i = 0; i < model.coldItems.length; i++) {
      if (model.coldItems[i]) Q.fill(0, i * w.k, (i + 1) * w.k);
    }
  }
  return itemLossGradients({ ...w, Q }, model.features, testLossTriples(target));
}

/**
 * The items an attack with item gradients `g` perturbs, whatever its kind: those with a
 * non-zero `g_i` (the items the adversary's gradient reaches), ascending.
 *
 * @param g item gradients, items x k
 * @param k embedding size
 */
export function gradientItems(g: Float64Array, k: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i * k < g.length; i++) {
    for (let c = 0; c < k; c++) {
      if (g[i * k + c] !== 0) {
        out.push(i);
        break;
      }
    }
  }
  return Int32Array.from(out);
}

/** Scores under one attack and what it perturbed. */
export interface AttackOutcome {
  /** Score rows (target, then negatives), float32 `[users, 1 + n]`, NaN rows without a target. */
  scores: Float32Array;
  /** Items whose latent vector the attack actually moved (`E Delta_i` non-zero). */
  perturbedItems: number;
}

/**
 * Score rows of every user (target, then its negatives) with the features of the attack's items
 * ({@link gradientItems}) perturbed, and the number of items actually perturbed.
 *
 * @param model weights, features and cold-item handling
 * @param target test items and negatives
 * @param attack perturbation kind and radius (eps 0: the clean scores)
 */
export function runAttack(model: AttackedModel, target: EvalTarget, attack: Attack): AttackOutcome {
  const w = model.weights;
  const f = scoringFactors(w, model.features, {
    coldItems: model.coldItems,
    coldMode: model.coldMode,
    latents: model.latents,
  });
  let perturbedItems = 0;
  if (attack.eps > 0) {
    const k = w.k;
    const items = gradientItems(attack.g, k);
    // A latent computed on the device (attack.latent) covers every item; only the attack's
    // items take theirs, so both backends perturb the same item set.
    const full = attack.latent;
    const latent = full ?? perturbationLatents(w, attack.g, items, {
      kind: attack.kind,
      eps: attack.eps,
      rng: attack.rng,
    });
    // eq. 4: V_i = q_i + E c_i (width K); eq. 2: V_i = [q_i | E c_i] (width 2K).
    const offset = w.H ? k : 0;
    for (let r = 0; r < items.length; r++) {
      const at = items[r] * f.k + offset;
      let moved = false;
      for (let c = 0; c < k; c++) {
        const v = latent[(full ? items[r] : r) * k + c];
        if (v !== 0) moved = true;
        f.V[at + c] += v;
      }
      if (moved) perturbedItems++;
    }
  }
  const scores = targetScores(factorScorer(f), target);
  // A NaN score would otherwise be ranked silently (as "no target", or as beating the target).
  assertFiniteTargetRows(scores, `attacked scores (${attack.kind}, eps ${attack.eps})`, {
    users: target.users,
    width: 1 + target.n,
    targets: target.items,
  });
  return { scores, perturbedItems };
}

/**
 * Score rows of every user (target, then its negatives) under an attack ({@link runAttack}).
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
  return runAttack(model, target, attack).scores;
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
