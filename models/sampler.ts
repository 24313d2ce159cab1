/**
 * BPR triple sampling (paper eq. 3; authors' `Dataset.py`, minus its dropped last batch).
 *
 * One epoch uses every training pair once, in a fresh random order, each with one negative item
 * drawn uniformly among the items that are neither a training positive of the user nor
 * cold-start items (items without any training interaction).
 *
 * @module
 */
import type { Rng } from "../pipeline/stage/mod.ts";
import type { TrainSet, Triples } from "./types.ts";

/** Per-user sorted positives (CSR) and the cold-start flags of a training set. */
export interface TrainIndex {
  /** Number of users. */
  nUsers: number;
  /** Number of items. */
  nItems: number;
  /** `offsets[u] .. offsets[u+1]` delimit user u's positives in `positives`. */
  offsets: Int32Array;
  /** Each user's distinct positive items, sorted ascending. */
  positives: Int32Array;
  /** `cold[i] = 1` when item i has no training interaction. */
  cold: Uint8Array;
  /** Number of items with at least one training interaction. */
  warmCount: number;
}

/** Flags items without any training interaction (`1` = cold-start item). */
export function coldItems(data: TrainSet): Uint8Array {
  const cold = new Uint8Array(data.nItems).fill(1);
  for (let t = 0; t < data.items.length; t++) cold[data.items[t]] = 0;
  return cold;
}

/** Builds the positive lists and cold flags used by the negative sampler. */
export function buildTrainIndex(data: TrainSet): TrainIndex {
  const { nUsers, nItems, users, items } = data;
  if (users.length !== items.length) {
    throw new RangeError("TrainSet: users and items differ in length");
  }
  const counts = new Int32Array(nUsers + 1);
  for (let t = 0; t < users.length; t++) {
    const u = users[t];
    const i = items[t];
    if (!(u >= 0 && u < nUsers && i >= 0 && i < nItems)) {
      throw new RangeError(`TrainSet: pair ${t} (${u}, ${i}) out of range`);
    }
    counts[u + 1]++;
  }
  for (let u = 0; u < nUsers; u++) counts[u + 1] += counts[u];
  const fill = counts.slice(0, nUsers);
  const raw = new Int32Array(users.length);
  for (let t = 0; t < users.length; t++) raw[fill[users[t]]++] = items[t];
  // Sort and de-duplicate each user's list in place, compacting into `positives`.
  const offsets = new Int32Array(nUsers + 1);
  let out = 0;
  for (let u = 0; u < nUsers; u++) {
    const list = raw.subarray(counts[u], counts[u + 1]).sort();
    offsets[u] = out;
    for (let t = 0; t < list.length; t++) {
      if (t === 0 || list[t] !== list[t - 1]) raw[out++] = list[t];
    }
  }
  offsets[nUsers] = out;
  const cold = coldItems(data);
  let warmCount = 0;
  for (let i = 0; i < nItems; i++) warmCount += 1 - cold[i];
  return { nUsers, nItems, offsets, positives: raw.slice(0, out), cold, warmCount };
}

/** Whether item i is a training positive of user u (binary search). */
export function isPositive(index: TrainIndex, u: number, i: number): boolean {
  let lo = index.offsets[u];
  let hi = index.offsets[u + 1];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = index.positives[mid];
    if (v === i) return true;
    if (v < i) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** Draws a negative for user u: uniform over warm items that are not u's positives. */
export function sampleNegative(index: TrainIndex, u: number, rng: Rng): number {
  if (index.offsets[u + 1] - index.offsets[u] >= index.warmCount) {
    throw new Error(`sampler: user ${u} has every warm item as a positive; no negative exists`);
  }
  for (;;) {
    const j = rng.int(index.nItems);
    if (index.cold[j] === 0 && !isPositive(index, u, j)) return j;
  }
}

/** One epoch of triples: every training pair once, shuffled, each with a fresh negative. */
export function sampleEpoch(data: TrainSet, index: TrainIndex, rng: Rng): Triples {
  const n = data.users.length;
  const order = new Int32Array(n);
  for (let t = 0; t < n; t++) order[t] = t;
  rng.shuffle(order);
  const users = new Int32Array(n);
  const pos = new Int32Array(n);
  const neg = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    const u = data.users[order[t]];
    users[t] = u;
    pos[t] = data.items[order[t]];
    neg[t] = sampleNegative(index, u, rng);
  }
  return { users, pos, neg };
}

/** The triples `[start, end)` of a set, as views (no copy). */
export function sliceTriples(t: Triples, start: number, end: number): Triples {
  return {
    users: t.users.subarray(start, end),
    pos: t.pos.subarray(start, end),
    neg: t.neg.subarray(start, end),
  };
}

/** Start offsets of the mini-batches covering `n` triples; the last batch may be partial. */
export function batchStarts(n: number, batchSize: number): number[] {
  if (!(batchSize >= 1)) throw new RangeError(`batch size must be >= 1, got ${batchSize}`);
  const starts: number[] = [];
  for (let s = 0; s < n; s += batchSize) starts.push(s);
  return starts;
}
