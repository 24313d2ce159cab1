/**
 * MF-eALS baseline (He, Zhang, Kan, Chua, SIGIR 2016, "Fast Matrix Factorization for Online
 * Recommendation with Implicit Feedback"; paper sec. 4.1.3).
 *
 * Objective, over the binary interaction matrix R (duplicate pairs count once):
 *
 *   L = sum_{(u,i) in R} w (1 - p_u.q_i)^2 + sum_u sum_{i not in R_u} c_i (p_u.q_i)^2
 *       + reg (||P||^2 + ||Q||^2),
 *
 * with popularity-weighted missing data `c_i = c0 f_i^alpha / sum_j f_j^alpha` (f_i = number of
 * users with item i). Element-wise ALS: every coordinate p_uf (then q_if) is set to its exact
 * minimiser with the others fixed, so L never increases. The missing-data sums run over all
 * items through cached K x K Gram matrices, `S^q = sum_i c_i q_i q_i^T` and `S^p = P^T P`, and
 * the predictions on R are cached and updated in place: one sweep costs
 * O(|R| K + (M + N) K^2). Pure typed-array code, float64 inside, float32 out.
 *
 * @module
 */

import type { Rng } from "../pipeline/stage/mod.ts";

/** Training interactions as parallel (user, item) index arrays. */
export interface InteractionData {
  /** Number of users M. */
  readonly nUsers: number;
  /** Number of items N. */
  readonly nItems: number;
  /** User index of every interaction. */
  readonly users: Int32Array;
  /** Item index of every interaction. */
  readonly items: Int32Array;
}

/** eALS hyper-parameters. */
export interface EalsParams {
  /** Latent dimension K (64 in the paper). */
  readonly k: number;
  /** Number of sweeps (one sweep updates all of P, then all of Q). */
  readonly iterations: number;
  /** L2 regularisation on P and Q. */
  readonly reg: number;
  /** Overall weight of the missing data, c0. */
  readonly c0: number;
  /** Popularity exponent of the missing-data weights (0.5 by default). */
  readonly alpha: number;
  /** Weight w of every observed interaction (default 1). */
  readonly wPos?: number;
  /** Standard deviation of the Gaussian initialisation (default 0.01). */
  readonly initStd?: number;
}

/** Options of {@link trainEals}. */
export interface EalsOptions {
  /** Source of the random initialisation. */
  readonly rng: Rng;
  /**
   * Called after every sweep with the sweep number (1-based), the full loss and a function
   * giving the state to checkpoint (live arrays); awaited, so it may yield or save.
   */
  onIteration?(iter: number, loss: number, state: () => EalsState): void | Promise<void>;
  /** Continue after the sweeps recorded in `resume` (from a checkpoint) instead of starting. */
  readonly resume?: EalsState;
  /** Start from these factors (`nUsers x k` and `nItems x k`, row-major) instead of at random. */
  readonly init?: { readonly P: ArrayLike<number>; readonly Q: ArrayLike<number> };
}

/**
 * What eALS needs to continue bit-identically after `iteration` sweeps: the float64 factors
 * (the residual cache and Gram matrices are recomputed from them exactly as each sweep ends).
 */
export interface EalsState {
  iteration: number;
  P: Float64Array;
  Q: Float64Array;
  initialLoss: number;
  losses: number[];
}

/** A trained eALS model. */
export interface EalsModel {
  /** User factors, `nUsers x k` row-major. */
  readonly P: Float32Array;
  /** Item factors, `nItems x k` row-major. */
  readonly Q: Float32Array;
  /** Latent dimension. */
  readonly k: number;
  /** Full loss before the first sweep. */
  readonly initialLoss: number;
  /** Full loss after every sweep. */
  readonly losses: number[];
}

/** The interaction matrix in both orientations, with links between them. */
interface Csr {
  /** `userPtr[u]..userPtr[u+1]` are user u's entries (items sorted, unique). */
  readonly userPtr: Int32Array;
  readonly userItems: Int32Array;
  /** `itemPtr[i]..itemPtr[i+1]` are item i's entries. */
  readonly itemPtr: Int32Array;
  readonly itemUsers: Int32Array;
  /** Position in the user-major arrays of every item-major entry. */
  readonly itemToUserPos: Int32Array;
}

function buildCsr(data: InteractionData): Csr {
  const { nUsers, nItems, users, items } = data;
  if (users.length !== items.length) {
    throw new RangeError(`eALS: ${users.length} users but ${items.length} items in interactions`);
  }
  const counts = new Int32Array(nUsers + 1);
  for (let k = 0; k < users.length; k++) {
    const u = users[k];
    const i = items[k];
    if (u < 0 || u >= nUsers) throw new RangeError(`eALS: user ${u} outside [0, ${nUsers})`);
    if (i < 0 || i >= nItems) throw new RangeError(`eALS: item ${i} outside [0, ${nItems})`);
    counts[u + 1]++;
  }
  for (let u = 0; u < nUsers; u++) counts[u + 1] += counts[u];
  const raw = new Int32Array(users.length);
  const fill = counts.slice(0, nUsers);
  for (let k = 0; k < users.length; k++) raw[fill[users[k]]++] = items[k];
  // Sort each row and drop duplicate pairs.
  const userPtr = new Int32Array(nUsers + 1);
  let nnz = 0;
  for (let u = 0; u < nUsers; u++) {
    const row = raw.subarray(counts[u], counts[u + 1]).sort();
    userPtr[u] = nnz;
    for (let k = 0; k < row.length; k++) {
      if (k === 0 || row[k] !== row[k - 1]) raw[nnz++] = row[k];
    }
  }
  userPtr[nUsers] = nnz;
  const userItems = raw.slice(0, nnz);
  const itemPtr = new Int32Array(nItems + 1);
  for (let p = 0; p < nnz; p++) itemPtr[userItems[p] + 1]++;
  for (let i = 0; i < nItems; i++) itemPtr[i + 1] += itemPtr[i];
  const itemUsers = new Int32Array(nnz);
  const itemToUserPos = new Int32Array(nnz);
  const next = itemPtr.slice(0, nItems);
  for (let u = 0; u < nUsers; u++) {
    for (let p = userPtr[u]; p < userPtr[u + 1]; p++) {
      const q = next[userItems[p]]++;
      itemUsers[q] = u;
      itemToUserPos[q] = p;
    }
  }
  return { userPtr, userItems, itemPtr, itemUsers, itemToUserPos };
}

/**
 * Missing-data weights `c_i = c0 f_i^alpha / sum_j f_j^alpha`, where `f_i` is the number of
 * distinct users with item i (items without interactions get 0).
 *
 * @param data training interactions
 * @param hp `c0` and `alpha`
 */
export function missingWeights(
  data: InteractionData,
  hp: Pick<EalsParams, "c0" | "alpha">,
): Float64Array {
  return weightsFromCsr(buildCsr(data), data.nItems, hp.c0, hp.alpha);
}

function weightsFromCsr(csr: Csr, nItems: number, c0: number, alpha: number): Float64Array {
  const c = new Float64Array(nItems);
  let total = 0;
  for (let i = 0; i < nItems; i++) {
    const f = csr.itemPtr[i + 1] - csr.itemPtr[i];
    c[i] = f > 0 ? Math.pow(f, alpha) : 0;
    total += c[i];
  }
  if (total > 0) { for (let i = 0; i < nItems; i++) c[i] = (c0 * c[i]) / total; }
  return c;
}

/** `out = sum_r weight[r] x_r x_r^T` over the rows of `x` (rows x k); weight 1 when absent. */
function gram(x: Float64Array, rows: number, k: number, weight?: Float64Array): Float64Array {
  const s = new Float64Array(k * k);
  for (let r = 0; r < rows; r++) {
    const w = weight === undefined ? 1 : weight[r];
    if (w === 0) continue;
    const o = r * k;
    for (let a = 0; a < k; a++) {
      const xa = w * x[o + a];
      if (xa === 0) continue;
      const sa = a * k;
      for (let b = a; b < k; b++) s[sa + b] += xa * x[o + b];
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) s[a * k + b] = s[b * k + a];
  return s;
}

/** What a sweep reads and updates; the arrays are updated in place. */
interface Sweep {
  csr: Csr;
  /** Missing-data weight of each item. */
  c: Float64Array;
  /** Weight of an observed interaction. */
  w: number;
  reg: number;
  k: number;
  /** The prediction p_u.q_i of every user-major entry. */
  rhat: Float64Array;
  P: Float64Array;
  Q: Float64Array;
}

/** Exact predictions p_u.q_i on every user-major entry, into `rhat`. */
function predictAll(s: Sweep) {
  const { csr, P, Q, k, rhat } = s;
  const nUsers = csr.userPtr.length - 1;
  for (let u = 0; u < nUsers; u++) {
    const pu = u * k;
    for (let p = csr.userPtr[u]; p < csr.userPtr[u + 1]; p++) {
      const qi = csr.userItems[p] * k;
      let dot = 0;
      for (let f = 0; f < k; f++) dot += P[pu + f] * Q[qi + f];
      rhat[p] = dot;
    }
  }
}

function sumSquares(x: Float64Array): number {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k] * x[k];
  return s;
}

/**
 * Full loss, with the missing-data term over all items via `sum_ab S^p_ab S^q_ab` (`Sp`, `Sq`:
 * the Gram matrices of P and of Q weighted by `c`).
 */
function fullLoss(s: Sweep, grams: { Sp: Float64Array; Sq: Float64Array }): number {
  const { csr, c, w, reg, rhat, P, Q } = s;
  const { Sp, Sq } = grams;
  let loss = 0;
  for (let p = 0; p < rhat.length; p++) {
    const r = rhat[p];
    const ci = c[csr.userItems[p]];
    loss += w * (1 - r) * (1 - r) - ci * r * r;
  }
  for (let a = 0; a < Sp.length; a++) loss += Sp[a] * Sq[a];
  return loss + reg * (sumSquares(P) + sumSquares(Q));
}

/** Updates every user's factors in P, given `Sq` (the Gram matrix of Q weighted by `c`). */
function updateUsers(s: Sweep, Sq: Float64Array) {
  const { csr, c, w, reg, k, rhat, P, Q } = s;
  const nUsers = csr.userPtr.length - 1;
  const { userPtr, userItems } = csr;
  for (let u = 0; u < nUsers; u++) {
    const pu = u * k;
    const start = userPtr[u];
    const end = userPtr[u + 1];
    for (let f = 0; f < k; f++) {
      const old = P[pu + f];
      let num = 0;
      let den = 0;
      for (let p = start; p < end; p++) {
        const i = userItems[p];
        const qif = Q[i * k + f];
        const wc = w - c[i];
        const rf = rhat[p] - old * qif;
        num += (w - wc * rf) * qif;
        den += wc * qif * qif;
      }
      let cross = 0;
      for (let a = 0; a < k; a++) cross += P[pu + a] * Sq[a * k + f];
      const sff = Sq[f * k + f];
      num -= cross - old * sff;
      den += sff + reg;
      const next = den > 0 ? num / den : 0;
      const delta = next - old;
      if (delta !== 0) {
        for (let p = start; p < end; p++) rhat[p] += delta * Q[userItems[p] * k + f];
        P[pu + f] = next;
      }
    }
  }
}

/** Updates every item's factors in Q, given `Sp` (the Gram matrix of P). */
function updateItems(s: Sweep, Sp: Float64Array) {
  const { csr, c, w, reg, k, rhat, P, Q } = s;
  const nItems = csr.itemPtr.length - 1;
  const { itemPtr, itemUsers, itemToUserPos } = csr;
  for (let i = 0; i < nItems; i++) {
    const qi = i * k;
    const start = itemPtr[i];
    const end = itemPtr[i + 1];
    const ci = c[i];
    const wc = w - ci;
    for (let f = 0; f < k; f++) {
      const old = Q[qi + f];
      let num = 0;
      let den = 0;
      for (let e = start; e < end; e++) {
        const puf = P[itemUsers[e] * k + f];
        const rf = rhat[itemToUserPos[e]] - old * puf;
        num += (w - wc * rf) * puf;
        den += wc * puf * puf;
      }
      let cross = 0;
      for (let a = 0; a < k; a++) cross += Q[qi + a] * Sp[a * k + f];
      const sff = Sp[f * k + f];
      num -= ci * (cross - old * sff);
      den += ci * sff + reg;
      const next = den > 0 ? num / den : 0;
      const delta = next - old;
      if (delta !== 0) {
        for (let e = start; e < end; e++) {
          rhat[itemToUserPos[e]] += delta * P[itemUsers[e] * k + f];
        }
        Q[qi + f] = next;
      }
    }
  }
}

function validate(data: InteractionData, hp: EalsParams) {
  if (!Number.isInteger(hp.k) || hp.k < 1) throw new RangeError(`eALS: bad k ${hp.k}`);
  if (!Number.isInteger(hp.iterations) || hp.iterations < 0) {
    throw new RangeError(`eALS: bad iterations ${hp.iterations}`);
  }
  for (const [name, v] of [["reg", hp.reg], ["c0", hp.c0], ["wPos", hp.wPos ?? 1]] as const) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`eALS: bad ${name} ${v}`);
  }
  if (!Number.isFinite(hp.alpha)) throw new RangeError(`eALS: bad alpha ${hp.alpha}`);
  if (!Number.isInteger(data.nUsers) || !Number.isInteger(data.nItems)) {
    throw new RangeError(`eALS: bad shape ${data.nUsers} x ${data.nItems}`);
  }
}

/**
 * Trains MF-eALS by element-wise ALS sweeps (all of P, then all of Q).
 *
 * @param data training interactions (duplicate pairs count once)
 * @param hp hyper-parameters
 * @param opts random source, progress callback, optional initial factors
 * @returns float32 factors and the loss after every sweep (non-increasing)
 */
export async function trainEals(
  data: InteractionData,
  hp: EalsParams,
  opts: EalsOptions,
): Promise<EalsModel> {
  validate(data, hp);
  const { nUsers, nItems } = data;
  const k = hp.k;
  const w = hp.wPos ?? 1;
  const reg = hp.reg;
  const csr = buildCsr(data);
  const c = weightsFromCsr(csr, nItems, hp.c0, hp.alpha);
  const P = new Float64Array(nUsers * k);
  const Q = new Float64Array(nItems * k);
  if (opts.resume !== undefined) {
    if (opts.resume.P.length !== P.length || opts.resume.Q.length !== Q.length) {
      throw new RangeError(
        `eALS: resume shapes do not match ${nUsers} x ${k} and ${nItems} x ${k}`,
      );
    }
    P.set(opts.resume.P);
    Q.set(opts.resume.Q);
  } else if (opts.init !== undefined) {
    if (opts.init.P.length !== P.length || opts.init.Q.length !== Q.length) {
      throw new RangeError(`eALS: init shapes do not match ${nUsers} x ${k} and ${nItems} x ${k}`);
    }
    P.set(opts.init.P);
    Q.set(opts.init.Q);
  } else {
    const std = hp.initStd ?? 0.01;
    for (let a = 0; a < P.length; a++) P[a] = std * opts.rng.normal();
    for (let a = 0; a < Q.length; a++) Q[a] = std * opts.rng.normal();
  }
  const sweep: Sweep = { csr, c, w, reg, k, rhat: new Float64Array(csr.userItems.length), P, Q };
  predictAll(sweep);
  let Sq = gram(Q, nItems, k, c);
  let Sp = gram(P, nUsers, k);
  const initialLoss = opts.resume?.initialLoss ?? fullLoss(sweep, { Sp, Sq });
  const losses: number[] = [...(opts.resume?.losses ?? [])];
  for (let iter = (opts.resume?.iteration ?? 0) + 1; iter <= hp.iterations; iter++) {
    updateUsers(sweep, Sq);
    Sp = gram(P, nUsers, k);
    predictAll(sweep); // drop rounding drift of the in-place cache
    updateItems(sweep, Sp);
    Sq = gram(Q, nItems, k, c);
    predictAll(sweep);
    const loss = fullLoss(sweep, { Sp, Sq });
    losses.push(loss);
    if (!Number.isFinite(loss)) {
      throw new Error(`eALS diverged at sweep ${iter}: loss is ${loss}; nothing was committed`);
    }
    await opts.onIteration?.(iter, loss, () => ({ iteration: iter, P, Q, initialLoss, losses }));
  }
  return { P: Float32Array.from(P), Q: Float32Array.from(Q), k, initialLoss, losses };
}

/**
 * Scores `p_u . q_i` for parallel lists of users and items (e.g. test positives, or each
 * user's stored negatives with the user index repeated).
 *
 * @param model trained factors
 * @param users user index per pair
 * @param items item index per pair
 */
export function ealsScores(
  model: Pick<EalsModel, "P" | "Q" | "k">,
  users: Int32Array,
  items: Int32Array,
): Float32Array {
  if (users.length !== items.length) {
    throw new RangeError(`ealsScores: ${users.length} users but ${items.length} items`);
  }
  const { P, Q, k } = model;
  const nUsers = P.length / k;
  const nItems = Q.length / k;
  const out = new Float32Array(users.length);
  for (let n = 0; n < users.length; n++) {
    const u = users[n];
    const i = items[n];
    if (u < 0 || u >= nUsers || i < 0 || i >= nItems) {
      throw new RangeError(`ealsScores: pair ${n} (${u}, ${i}) outside ${nUsers} x ${nItems}`);
    }
    let dot = 0;
    for (let f = 0; f < k; f++) dot += P[u * k + f] * Q[i * k + f];
    out[n] = dot;
  }
  return out;
}
