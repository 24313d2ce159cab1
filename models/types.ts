/**
 * Shared types of the numerical core: features, interactions, weights, hyper-parameters and the
 * model kinds (paper sec. 2-3; docs/model.md).
 *
 * All matrices are row-major `Float32Array`s. Scores follow paper eq. 4,
 * `y(u,i) = p_u . (q_i + E c_i)`, with the variants listed in {@link ModelKind}.
 *
 * @module
 */

/** Item feature table, row-major: row i is `c_i` (length `dim`). Lives in JS memory. */
export interface FeatureMatrix {
  /** Number of rows (items). */
  rows: number;
  /** Feature dimension D. */
  dim: number;
  /** `rows * dim` values, row-major. */
  data: Float32Array;
}

/** Training interactions as (user, item) pairs; duplicates are kept as separate triples. */
export interface TrainSet {
  /** Number of users (ids are `0 .. nUsers-1`). */
  nUsers: number;
  /** Number of items (ids are `0 .. nItems-1`); items without a pair are cold-start items. */
  nItems: number;
  /** User of each pair. */
  users: Int32Array;
  /** Item of each pair (same length as `users`). */
  items: Int32Array;
}

/** BPR triples (u, i, j): user, positive item, negative item, all of the same length. */
export interface Triples {
  /** Users. */
  users: Int32Array;
  /** Positive items. */
  pos: Int32Array;
  /** Negative items. */
  neg: Int32Array;
}

/** Model parameters. `E` is K x D row-major (so `E c_i` is a K-vector). */
export interface Weights {
  /** User embeddings p_u, nUsers x K. */
  P: Float32Array;
  /** Item ID embeddings q_i, nItems x K; null for DUIF. */
  Q: Float32Array | null;
  /** Feature projection E, K x D; null for MF-BPR. */
  E: Float32Array | null;
  /** User visual embeddings h_u, nUsers x K (only for `vbpr-eq2`, paper eq. 2). */
  H?: Float32Array;
  /** Embedding size K. */
  k: number;
  /** Feature dimension D (0 when `E` is null). */
  dim: number;
}

/**
 * Model kinds:
 * - `mf-bpr`: `p_u . q_i`;
 * - `duif`: `p_u . E c_i` (no q);
 * - `vbpr`: paper eq. 4, `p_u . (q_i + E c_i)`;
 * - `vbpr-eq2`: paper eq. 2, `p_u . q_i + h_u . E c_i` (separate user visual vector);
 * - `amr`: eq. 4 trained with the adversarial objective (eq. 7); needs an adversary.
 */
export type ModelKind = "mf-bpr" | "duif" | "vbpr" | "vbpr-eq2" | "amr";

/**
 * L2 regulariser form (declared by `regulariserSchema` in config/profile.ts): the authors'
 * code (`official`) or the paper's eq. 10 (`paper`); docs/model.md#losses-and-regularisation.
 */
export type RegulariserForm = "official" | "paper";

/** All model kinds, e.g. for config validation. */
export const MODEL_KINDS: readonly ModelKind[] = ["mf-bpr", "duif", "vbpr", "vbpr-eq2", "amr"];

/** Which parameters a model kind has. */
export interface ModelSpec {
  /** Has item ID embeddings Q. */
  hasQ: boolean;
  /** Has the feature projection E (needs features). */
  hasE: boolean;
  /** Has a separate user visual vector H (eq. 2); otherwise P multiplies `E c_i` too. */
  hasH: boolean;
}

/** The parameters of a model kind. */
export function modelSpec(kind: ModelKind): ModelSpec {
  switch (kind) {
    case "mf-bpr":
      return { hasQ: true, hasE: false, hasH: false };
    case "duif":
      return { hasQ: false, hasE: true, hasH: false };
    case "vbpr":
    case "amr":
      return { hasQ: true, hasE: true, hasH: false };
    case "vbpr-eq2":
      return { hasQ: true, hasE: true, hasH: true };
  }
}

/** Perturbation kinds (paper Fig. 4): gradient direction, Gaussian noise, FGSM sign. */
export type AdversaryKind = "grad" | "rand" | "sign";

/** The adversary of AMR (paper eq. 7-12). */
export interface AdversaryConfig {
  /** How Delta is built. */
  kind: AdversaryKind;
  /** L2 radius per item row (for `sign`: the per-element magnitude, as FGSM). */
  eps: number;
  /** Weight of the BPR loss on perturbed features; 0 gives VBPR exactly. */
  lambda: number;
}

/** Optimisation hyper-parameters (names as in the authors' `run.sh`). */
export interface Hyper {
  /** Embedding size K. */
  k: number;
  /** Mini-batch size (triples). */
  batchSize: number;
  /** Adagrad learning rates for [P (and H), Q, E]. */
  lr: [number, number, number];
  /** L2 weights [l1 on p_u (and h_u), l2 on item vectors, l3 on E]. */
  regs: [number, number, number];
  /** Regulariser form; absent means `official`. */
  regulariser?: RegulariserForm;
  /** Standard deviation of the truncated-normal initialisation. */
  initStd: number;
}

/** The authors' Pinterest AMR settings (`run.sh`; docs/model.md#optimiser). */
export const DEFAULT_HYPER: Hyper = {
  k: 64,
  batchSize: 512,
  lr: [0.01, 1e-4, 1e-3],
  regs: [1e-1, 1e-3, 0],
  initStd: 0.01,
};
