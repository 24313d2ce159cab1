/**
 * Divergence guards: training whose loss or weights become NaN or Infinity must fail, naming
 * where (epoch, batch) and which parameter, so that nothing diverged is committed.
 *
 * @module
 */
import type { Weights } from "./types.ts";

/** Raised when a value that must be finite is not. */
export class NonFiniteError extends Error {
  override name = "NonFiniteError";
}

/** Index of the first non-finite value of `a`, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    // v - v is NaN exactly when v is NaN or +-Infinity (cheaper than Number.isFinite per value).
    if (v - v !== 0) return i;
  }
  return -1;
}

/** Describes the first non-finite parameter of `w` ("E[3, 17] is NaN"), or null when all are finite. */
export function nonFiniteParameter(w: Weights): string | null {
  const tables: [string, Float32Array | null | undefined, number][] = [
    ["P", w.P, w.k],
    ["Q", w.Q, w.k],
    ["E", w.E, w.dim],
    ["H", w.H, w.k],
  ];
  for (const [name, a, width] of tables) {
    if (!a) continue;
    const i = firstNonFinite(a);
    if (i >= 0) {
      const at = width > 0 ? `[${Math.floor(i / width)}, ${i % width}]` : `[${i}]`;
      return `parameter ${name}${at} is ${a[i]}`;
    }
  }
  return null;
}

/** Fails when any weight is NaN or infinite; `when` says at which point of training. */
export function assertFiniteWeights(w: Weights, when: string): void {
  const bad = nonFiniteParameter(w);
  if (bad) throw new NonFiniteError(`training diverged ${when}: ${bad}; nothing was committed`);
}

/** Fails when a batch's loss terms are not finite, naming the epoch, the batch and a parameter. */
export function assertFiniteLoss(
  terms: { loss: number; advLoss: number; regLoss: number },
  w: Weights,
  at: { epoch: number; batch: number },
): void {
  const sum = terms.loss + terms.advLoss + terms.regLoss;
  if (sum - sum === 0) return;
  const which = !Number.isFinite(terms.loss)
    ? `loss is ${terms.loss}`
    : !Number.isFinite(terms.advLoss)
    ? `adversarial loss is ${terms.advLoss}`
    : `regularisation term is ${terms.regLoss}`;
  const param = nonFiniteParameter(w) ??
    "every parameter is finite (the inputs, e.g. the features, hold a NaN or Infinity)";
  throw new NonFiniteError(
    `training diverged at epoch ${at.epoch}, batch ${at.batch}: ${which}; ${param}; ` +
      `nothing was committed`,
  );
}

/** Fails when `data` holds a NaN or Infinity; names `what` and the flat index (row, col). */
export function assertFiniteArray(data: ArrayLike<number>, what: string, width = 0): void {
  const i = firstNonFinite(data);
  if (i < 0) return;
  const at = width > 0 ? `row ${Math.floor(i / width)}, column ${i % width}` : `index ${i}`;
  throw new NonFiniteError(`${what}: value at ${at} is ${data[i]} (must be finite)`);
}

/**
 * Fails when a row of `data` (`users` rows of `width`) holds a NaN or Infinity, skipping the
 * rows of users without a target (`targets[u] < 0`), which are NaN by design. Names `what`, the
 * user row and the column of the first bad value.
 */
export function assertFiniteTargetRows(
  data: ArrayLike<number>,
  what: string,
  shape: { users: number; width: number; targets: ArrayLike<number> },
): void {
  const { users, width, targets } = shape;
  for (let u = 0; u < users; u++) {
    if (targets[u] < 0) continue;
    for (let c = 0; c < width; c++) {
      const v = data[u * width + c];
      if (v - v !== 0) {
        throw new NonFiniteError(
          `${what}: value ${v} for user row ${u}, column ${c} (must be finite for a user with ` +
            `a target); nothing was committed`,
        );
      }
    }
  }
}
