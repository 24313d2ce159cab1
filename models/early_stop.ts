/**
 * Early stopping on a holdout metric (paper sec. 3.3: convergence may be checked "by
 * monitor[ing] the recommendation performance based on a holdout validation set"): a run stops
 * once its metric has not improved for `patience` evaluations in a row. Only a strictly larger
 * value counts as an improvement, and the start (epoch 0) counts as an evaluation, so a run
 * that never beats its start stops after `patience` evaluations too. The best epoch is then
 * chosen from the evaluations made, exactly as for a run that trained all its epochs.
 *
 * One rule, used by the training stages (to stop) and by the cost model (to say where earlier
 * full-length runs would have stopped).
 *
 * @module
 */

/**
 * Why a run ended: it trained every planned epoch, its metric stopped improving (patience), or
 * successive halving did not keep it for the next rung (plan/halving.ts).
 */
export type StopReason = "epochs" | "patience" | "halving";

/** Where a run ended and why. */
export interface Stopped {
  /** The last epoch trained. */
  epoch: number;
  /** See {@link StopReason}. */
  reason: StopReason;
}

/**
 * Evaluations since the best one (0 when the latest is the best). NaN never improves, and a
 * first NaN is beaten by any number.
 *
 * @param values the metric at each evaluation so far, in order
 */
export function evaluationsSinceBest(values: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    if (
      best < 0 || values[i] > values[best] ||
      (Number.isNaN(values[best]) && !Number.isNaN(values[i]))
    ) {
      best = i;
    }
  }
  return best < 0 ? 0 : values.length - 1 - best;
}

/**
 * Whether a run with this metric history stops now under `patience` (null: never stops early).
 *
 * @param values the metric at each evaluation so far, in order (the start first)
 * @param patience evaluations without improvement that end the run
 */
export function patienceExhausted(values: readonly number[], patience: number | null): boolean {
  if (patience === null) return false;
  if (!Number.isInteger(patience) || patience < 1) {
    throw new RangeError(`patience must be a positive integer, got ${patience}`);
  }
  return evaluationsSinceBest(values) >= patience;
}

/**
 * The epoch at which a run evaluated at `evaluations` (epoch and metric, in order, the start
 * first) would have stopped under `patience`: the first evaluation at which it is exhausted,
 * else the last evaluated epoch.
 */
export function stoppingEpoch(
  evaluations: readonly { epoch: number; value: number }[],
  patience: number,
): Stopped {
  const values: number[] = [];
  for (const e of evaluations) {
    values.push(e.value);
    if (e.epoch > 0 && patienceExhausted(values, patience)) {
      return { epoch: e.epoch, reason: "patience" };
    }
  }
  return { epoch: evaluations.at(-1)?.epoch ?? 0, reason: "epochs" };
}
