/**
 * The data shapes `deno task bench` times (the paper's Table 1 after the leave-one-out split);
 * `plan/cost.ts` reads them to pick the bench scale nearest a dataset.
 *
 * @module
 */

/** Shapes of a benchmark scale (paper Table 1 after the leave-one-out split). */
export interface Scale {
  /** Name shown in the report. */
  name: "pinterest" | "amazon";
  /** Users. */
  users: number;
  /** Items. */
  items: number;
  /** Training pairs (interactions minus one test and one validation item per user). */
  pairs: number;
  /** Feature dimension. */
  dim: number;
}

/** The two scales. */
export const SCALES: Record<Scale["name"], Scale> = {
  pinterest: { name: "pinterest", users: 3226, items: 4998, pairs: 6618, dim: 2048 },
  amazon: { name: "amazon", users: 83337, items: 299555, pairs: 540275, dim: 2048 },
};
