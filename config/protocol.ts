/**
 * The evaluation protocol's two constants, declared once: how many sampled negatives each test
 * user's item is ranked against, and the significance level of every test (Table 2's stars,
 * the lambda = 0 control, the claims).
 *
 * @module
 */

/** Sampled negatives per test user (the paper and the authors' `neg.txt`: 999). */
export const DEFAULT_NEGATIVES = 999;

/** Significance level of every test (the paper's stars: p < 0.05). */
export const ALPHA = 0.05;
