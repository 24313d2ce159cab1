/**
 * Bounds of the numeric settings of profiles and dataset configs, declared once. Each is far
 * beyond what the paper needs (2000 epochs, K = 64, 999 negatives, Amazon's 600k items) and
 * short of what would only exhaust memory or time (`--set epochs=1e9`), and a value outside is
 * refused with the bound and the value: `field "models.vbpr.epochs": at most 100000, got
 * 1000000000`. docs/profiles.md lists them (tests/config/bounds_test.ts keeps it in step).
 *
 * @module
 */
import { z } from "zod";

/** Epochs, sweeps, tuning epochs, evaluation interval: at most this many. */
export const MAX_EPOCHS = 100_000;
/** Test negatives per user (the paper: 999). */
export const MAX_NEGATIVES = 100_000;
/** Embedding size K (the paper: 64). */
export const MAX_K = 1024;
/** Mini-batch size in triples. */
export const MAX_BATCH = 2 ** 20;
/** Root seed (a replicate adds up to 9, so every seed stays a 32-bit signed integer). */
export const MAX_SEED = 10 ** 9;
/** Learning rates (Adagrad), in the profile and in a tuning grid (the paper's grid: 0.005-0.1). */
export const MAX_LR = 1000;
/** L2 weights, eALS's c0, reg and wPos (the paper's grid: l2 up to 1, c0 up to 1024). */
export const MAX_WEIGHT = 1e9;
/** AMR's eps and lambda (the paper's grid: 0.01-10; a widened grid goes a few steps beyond). */
export const MAX_ADVERSARY = 1e6;
/** eALS's popularity exponent alpha (He et al.: 0.5). */
export const MAX_ALPHA = 10;
/** Values in a tuning grid or a figure's list of radii. */
export const MAX_LIST = 32;
/** Users, items of a synthetic dataset (Amazon: 83k users, 600k items). */
export const MAX_ENTITIES = 10 ** 8;
/** Interactions of a synthetic dataset (Amazon: 700k). */
export const MAX_INTERACTIONS = 10 ** 9;
/** Minimum interactions per user kept by filter-users (the paper: 2 Pinterest, 5 Amazon). */
export const MAX_MIN_PER_USER = 1000;
/** Visual or collaborative topics of the synthetic generator. */
export const MAX_TOPICS = 100_000;
/** Feature dimension D (ResNet-50 pool5: 2048). */
export const MAX_DIM = 65_536;

/** An integer in [min, max]; errors say `at least 1, got 0` or `at most 100000, got 1e9`. */
export function intIn(min: number, max: number): z.ZodNumber {
  return numIn(min, max).int();
}

/** A number in [min, max] (a real value; errors state the bound and the value). */
export function numIn(min: number, max: number): z.ZodNumber {
  return z.number()
    .min(min, { error: (i) => `at least ${min}, got ${i.input}` })
    .max(max, { error: (i) => `at most ${max}, got ${i.input}` });
}

/** A number in (0, max]: errors say `more than 0, got 0` or `at most ..., got ...`. */
export function positiveUpTo(max: number): z.ZodNumber {
  return z.number()
    .positive({ error: (i) => `more than 0, got ${i.input}` })
    .max(max, { error: (i) => `at most ${max}, got ${i.input}` });
}
