/**
 * Successive halving over a grid level (profiles with `tune.schedule: "halving"`): every point
 * starts, trains a small budget, and after each rung the best 1/eta of the points by validation
 * NDCG@10 continue from where they stopped, until the last rung trains the level's full epochs.
 *
 * With N points, R rungs after the first and reduction factor eta, rung r (0..R) trains up to
 * `epochs / eta^(R - r)` epochs, rounded up to a multiple of `evalEvery` (so every rung ends on an
 * evaluation a full run makes too, and a point that survives every rung writes what a full run
 * of it writes, byte for byte), and `floor(N / eta^r)` points (at least 1) train in it. R is the
 * largest count with at least one point left in the last rung and strictly growing budgets.
 *
 * @module
 */

/** One rung of a level's schedule. */
export interface Rung {
  /** The epoch the rung trains up to. */
  epochs: number;
  /** The points that train in this rung (the rest stopped at an earlier rung). */
  continuing: number;
}

/** Budgets and survivor counts for R rungs after the first, or null when R does not fit. */
function tryRungs(
  points: number,
  eta: number,
  plan: { epochs: number; evalEvery: number },
  R: number,
): Rung[] | null {
  const out: Rung[] = [];
  let continuing = points;
  for (let r = 0; r <= R; r++) {
    const raw = plan.epochs / eta ** (R - r);
    const epochs = Math.min(plan.epochs, Math.ceil(raw / plan.evalEvery) * plan.evalEvery);
    if (out.length && epochs <= out[out.length - 1].epochs) return null;
    if (continuing < 1) return null;
    out.push({ epochs, continuing });
    continuing = Math.floor(continuing / eta);
  }
  return out;
}

/**
 * The rungs of a level of `points` grid points (see the module comment).
 *
 * @throws Error naming `what` (the grid) and `tune.eta` when the level is too small to halve
 */
export function halvingRungs(
  what: string,
  points: number,
  eta: number,
  plan: { epochs: number; evalEvery: number },
): Rung[] {
  let best: Rung[] | null = null;
  for (let R = 1; eta ** R <= points; R++) {
    const rungs = tryRungs(points, eta, plan, R);
    if (rungs) best = rungs;
  }
  if (!best) {
    throw new Error(
      `tune.schedule "halving": ${what} has ${points} point(s) and ${plan.epochs} epoch(s) at ` +
        `tune.evalEvery ${plan.evalEvery}, too few to halve once with tune.eta = ${eta} ` +
        `(needs at least ${eta} points and two evaluation budgets); use tune.schedule "full" ` +
        `or a smaller tune.eta`,
    );
  }
  return best;
}
