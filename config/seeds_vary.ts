/**
 * What a replicate over seeds (`--seeds N`) redraws, `--seeds-vary`. Its own module, imported
 * only by the planner, the target options and the stages that combine seeds, so that no
 * training or evaluation stage's code fingerprint (hence cache key) depends on it.
 *
 * @module
 */

/**
 * The choices of `--seeds-vary`: `training` (the default) retrains every model from its own
 * seed on the shared split and negatives; `data` also redraws the train/validation/test split
 * and the test negatives per seed (plan/seeds.ts).
 */
export const SEEDS_VARY = ["training", "data"] as const;

/** One of {@link SEEDS_VARY}. */
export type SeedsVary = typeof SEEDS_VARY[number];
