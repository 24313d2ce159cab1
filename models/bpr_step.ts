/**
 * One mini-batch of BPR (paper eq. 3) or AMR (eq. 7): explicit gradients (`adagrad.ts` applies
 * them).
 *
 * Objective over the batch rows (authors' `VBPR.py`):
 *
 *   sum_r softplus(-(y_ui - y_uj)) + lambda * sum_r softplus(-(y'_ui - y'_uj))
 *   + l1 * ||p_u||^2 + l2 * (||z_i||^2 + ||z_j||^2) + l3 * ||E||^2,
 *
 * with `z_i = q_i + E c_i` (eq. 4; `q_i` alone for MF, `E c_i` alone for DUIF, and for eq. 2
 * `||q_i||^2 + ||E c_i||^2` and `l1 * (||p_u||^2 + ||h_u||^2)`), and `y'` the scores on the
 * perturbed features `c_i + Delta_i` (Delta a constant: stop-gradient).
 * That is the default (`regulariser: "official"`); `"paper"` swaps the item term for eq. 10's
 * `l2 * ||q_i||^2` (the positive's ID vector only: no `q_j`, no `E c_i`), keeping
 * `l1 * ||p_u||^2` (and `||h_u||^2`), and carries `l3 * ||E||^2` once per batch row: eq. 10
 * summed over the batch, `n_B * l3 * ||E||^2`, where the official form has it once per batch.
 *
 * The only dense work is two (three with a materialised adversary) XNNPACK products per batch:
 * the forward `[C_U ; E] E^T` over the batch's distinct items U (its extra K rows give `E E^T`
 * for the closed-form adversary) and the E gradient `L [C_U ; E ; Delta_U]` (computed as its
 * transpose, big operand on the left, see `featureGradient`), with
 * `L = [A^T | M + 2 l3 I | B^T]`. Here A holds each item's summed dloss/d(E c_i), B its
 * dloss/d(E Delta_i) and `M = sum_i (eps/n_i) B_i g_i^T`, the closed form of `sum_i B_i Delta_i^T`.
 *
 * @module
 */
import type { Rng } from "../pipeline/stage/mod.ts";
import {
  closedFormPerturbation,
  materialisedPerturbation,
  type Perturbation,
} from "./adversary.ts";
import { gatherRows } from "./item_latent.ts";
import { type HeapBuffer, heapScratch, matMul, transpose, transposeInto } from "./matmul.ts";
import { slotMap, uniqueSlots } from "./slots.ts";
import {
  type AdversaryConfig,
  type FeatureMatrix,
  type ModelKind,
  modelSpec,
  type RegulariserForm,
  type Triples,
  type Weights,
} from "./types.ts";

/** How the `grad` adversary is computed: K x K closed form (default) or D-wide reference. */
export type AdversaryPath = "closed" | "materialised";

/** Reusable scratch of a training run (avoids reallocating per batch). */
export interface StepWorkspace {
  /** Slot map over users. */
  userSlot: Int32Array;
  /** Slot map over items. */
  itemSlot: Int32Array;
  /** Delta rows of the materialised adversary (grows on demand). */
  rows: Float32Array;
  /** E^T buffer, D x K. */
  et: Float32Array;
}

/** Scratch for a model with `nUsers` users and `nItems` items. */
export function createStepWorkspace(nUsers: number, nItems: number): StepWorkspace {
  return {
    userSlot: slotMap(nUsers),
    itemSlot: slotMap(nItems),
    rows: new Float32Array(0),
    et: new Float32Array(0),
  };
}

/** What one batch needs besides the weights and the triples. */
export interface StepOptions {
  /** Model kind (fixes which parameters exist and how they are regularised). */
  model: ModelKind;
  /** Item features (required when the model has E). */
  features: FeatureMatrix | null;
  /** L2 weights [l1, l2, l3]. */
  regs: readonly [number, number, number];
  /**
   * `official` (default): `l1 |p_u|^2 + l2 (|z_i|^2 + |z_j|^2) + l3 |E|^2` per row, z = q + E c;
   * `paper` (eq. 10): `l1 |p_u|^2 + l2 |q_i|^2 + l3 |E|^2` per row (no q_j, no E c), i.e.
   * `n_B l3 |E|^2` per batch of `n_B` rows.
   */
  regulariser?: RegulariserForm;
  /** Adversary (models with E only); absent for plain BPR. */
  adversary?: AdversaryConfig;
  /** `closed` (default) or `materialised` (reference) for the `grad` adversary. */
  adversaryPath?: AdversaryPath;
  /** Noise source of the `rand` adversary. */
  rng?: Rng;
  /** Scratch to reuse; allocated per call when absent. */
  workspace?: StepWorkspace;
}

/** Loss terms and gradients of one batch, per distinct user and item. */
export interface BatchGradients {
  /** Clean BPR loss summed over the batch. */
  loss: number;
  /** BPR loss on perturbed features summed over the batch (unweighted; 0 without adversary). */
  advLoss: number;
  /** Regularisation term. */
  regLoss: number;
  /** Distinct users of the batch. */
  users: Int32Array;
  /** Gradient rows of P for `users`, users.length x K (duplicates summed). */
  gP: Float32Array;
  /** Gradient rows of H for `users` (eq. 2 model), else null. */
  gH: Float32Array | null;
  /** Distinct items of the batch (positives and negatives). */
  items: Int32Array;
  /** Gradient rows of Q for `items`, else null. */
  gQ: Float32Array | null;
  /** Dense gradient of E (K x D), else null. */
  gE: Float32Array | null;
  /** The perturbations used, row-aligned with `items` (null without adversary). */
  perturbation: Perturbation | null;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function growRows(ws: StepWorkspace, size: number): Float32Array {
  if (ws.rows.length < size) ws.rows = new Float32Array(size);
  return ws.rows;
}

/** Number of items a weight set covers (from Q, else from the features). */
function itemCount(w: Weights, features: FeatureMatrix | null): number {
  if (w.Q) return w.Q.length / w.k;
  if (features) return features.rows;
  throw new Error("cannot tell the number of items: no Q and no features");
}

/**
 * WASM-heap buffers of a step: `[C_U ; E]` (the forward product's left operand, gathered
 * straight into the heap) and the E gradient's left operand `[C_U ; E ; Delta_U]^T`.
 */
const ROWS = "step-rows";
const ROWS_T = "step-rows-t";

/**
 * What the feature rows `C_U` of the {@link ROWS} buffer (and, transposed, of {@link ROWS_T} at
 * row length `ld`) hold: the rows of `items` of `features`. Runs of a fused group step through
 * the same batch one after another (models/train.ts), so each batch's rows are gathered and
 * transposed once; every other write lies past them (rows after them in {@link ROWS}, columns
 * after them in {@link ROWS_T}). Features are never written in place.
 */
interface HeldRows {
  features: FeatureMatrix;
  items: Int32Array;
  ld?: number;
}

/**
 * Forgets what the step buffers hold (`models/train.ts` at the end of fused epochs), so that they
 * keep no feature matrix alive after its training.
 */
export function releaseHeldRows(): void {
  heapScratch(ROWS).contents = undefined;
  heapScratch(ROWS_T).contents = undefined;
}

function holds(buf: HeapBuffer, features: FeatureMatrix, items: Int32Array, ld?: number): boolean {
  const c = buf.contents as HeldRows | undefined;
  if (!c || c.features !== features || c.ld !== ld || c.items.length !== items.length) return false;
  for (let r = 0; r < items.length; r++) if (c.items[r] !== items[r]) return false;
  return true;
}

/**
 * The E gradient `L [C_U ; E ; Delta_U]`, with `[C_U ; E]` (E only when `nE = K`) the first
 * `nI + nE` rows of the {@link ROWS} heap buffer and Delta (materialised only) in `delta`, and
 * `L = [A^T | M + 2 l3 I | B^T]`, where `M = sum_i scale_i B_i g_i^T` is the closed form of
 * `sum_i B_i Delta_i^T`.
 *
 * Computed transposed, `gE^T = rows^T L^T` (D x K): XNNPACK packs the right operand on every
 * call and parallelises over the rows of the left one, so the big matrix goes on the left
 * (`L rows` with rows on the right runs at a third of the speed). `L^T = [A ; M^T + 2 l3 I ; B]`
 * needs no transpose; the rows are transposed heap to heap into the {@link ROWS_T} buffer.
 */
function featureGradient(
  delta: Float32Array | null,
  p: {
    A: Float32Array;
    B: Float32Array | null;
    g: Float32Array | null;
    pert: Perturbation | null;
    nI: number;
    nE: number;
    k: number;
    d: number;
    l3: number;
    /** The features and the batch's distinct items whose rows `C_U` are. */
    features: FeatureMatrix;
    items: Int32Array;
  },
): Float32Array {
  const { A, B, g, pert, nI, nE, k, d, l3 } = p;
  const nDelta = delta ? nI : 0;
  const R = nI + nE + nDelta;
  const Lt = new Float32Array(R * k);
  Lt.set(A.subarray(0, nI * k));
  if (nE > 0) {
    // M^T = g^T diag(scale) B, a K x K product.
    const Mt = pert?.scale && g && B
      ? matMul(transpose(g, nI, k), scaleRows(B, pert.scale, nI, k), { m: k, k: nI, n: k })
      : new Float32Array(k * k);
    for (let a = 0; a < k; a++) Mt[a * k + a] += 2 * l3;
    Lt.set(Mt, nI * k);
  }
  if (nDelta > 0 && B) Lt.set(B.subarray(0, nI * k), (nI + nE) * k);
  // Views last: any tfjs allocation (the products above) may move the heap.
  const rowsT = heapScratch(ROWS_T);
  const dst = rowsT.view(R * d);
  const src = heapScratch(ROWS).view((nI + nE) * d);
  if (!holds(rowsT, p.features, p.items, R)) {
    rowsT.contents = undefined;
    transposeInto(src, dst, { rows: nI, cols: d, ld: R, colOffset: 0 });
    rowsT.contents = { features: p.features, items: p.items.slice(), ld: R } satisfies HeldRows;
  }
  transposeInto(src.subarray(nI * d), dst, { rows: nE, cols: d, ld: R, colOffset: nI });
  if (delta) transposeInto(delta, dst, { rows: nI, cols: d, ld: R, colOffset: nI + nE });
  const gEt = rowsT.matMul(d, R, Lt, k);
  return transpose(gEt, d, k);
}

/** `diag(scale) B` for B n x K. */
function scaleRows(B: Float32Array, scale: Float64Array, n: number, k: number): Float32Array {
  const out = new Float32Array(n * k);
  for (let t = 0; t < n; t++) {
    const s = scale[t];
    for (let a = 0; a < k; a++) out[t * k + a] = s * B[t * k + a];
  }
  return out;
}

/** The parameters one batch reads, checked against the model kind. */
interface BatchModel {
  /** Width K. */
  k: number;
  /** User factors. */
  P: Float32Array;
  /** Item factors (models with Q), else null. */
  Q: Float32Array | null;
  /** Visual user factors (eq. 2), else null. */
  H: Float32Array | null;
  /** The user vectors multiplying `E c_i`: H for eq. 2, else P. */
  V: Float32Array;
}

/** The batch's distinct users and items and each row's slot among them. */
interface BatchSlots {
  /** The triples. */
  batch: Triples;
  /** Rows of the batch. */
  nB: number;
  /** Distinct users. */
  users: Int32Array;
  /** Distinct items (positives and negatives). */
  items: Int32Array;
  /** Slot of each row's user in `users`. */
  uSlot: Int32Array;
  /** Slot of each row's positive in `items`. */
  iSlot: Int32Array;
  /** Slot of each row's negative in `items`. */
  jSlot: Int32Array;
}

/** Forward phase output: `x = E c` for the distinct items, and E E^T for the closed form. */
interface Forward {
  /** `x`, nI x K (null without E). */
  x: Float32Array | null;
  /** `E E^T`, K x K (closed-form adversary only). */
  eet: Float32Array | null;
  /** Feature dimension D (0 without E). */
  d: number;
  /** Rows of E appended to the forward operand: K when `E E^T` or the E prior needs them. */
  nE: number;
}

/** Margins phase output. */
interface Margins {
  /** `dloss/d(y_ui - y_uj)` per row. */
  s: Float64Array;
  /** `y_ui - y_uj` per row. */
  margin: Float64Array;
  /** Clean BPR loss summed over the rows. */
  loss: number;
}

/** Adversary phase output. */
interface AdversaryTerms {
  /** The perturbations, row-aligned with the batch's items (null without adversary). */
  pert: Perturbation | null;
  /** Item gradients `g` (grad and sign adversaries), else null. */
  g: Float32Array | null;
  /** `lambda * dloss'/d(y'_ui - y'_uj)` per row (zeros without adversary). */
  sAdv: Float64Array;
  /** BPR loss on perturbed features summed over the rows. */
  advLoss: number;
}

/** Per-row gradients phase output, per distinct user and item. */
interface RowGradients {
  /** Gradient rows of P. */
  gP: Float32Array;
  /** Gradient rows of H (eq. 2), else null. */
  gH: Float32Array | null;
  /** Gradient rows of Q, else null. */
  gQ: Float32Array | null;
  /** `dloss/d(E c_i)` per item (models with E), else null. */
  A: Float32Array | null;
  /** `dloss/d(E Delta_i)` per item (with adversary), else null. */
  Bm: Float32Array | null;
  /** The L2 terms of P, H, Q and `E c_i`. */
  regLoss: number;
}

/** The weights a model kind trains, checked; throws naming the model when one is missing. */
function batchModel(w: Weights, opts: StepOptions): BatchModel {
  const spec = modelSpec(opts.model);
  const P = w.P;
  const Q = spec.hasQ ? w.Q : null;
  const H = spec.hasH ? w.H ?? null : null;
  if (spec.hasQ && !Q) throw new Error(`${opts.model}: weights lack Q`);
  if (spec.hasH && !H) throw new Error(`${opts.model}: weights lack H`);
  return { k: w.k, P, Q, H, V: H ?? P };
}

/** Distinct users and items of a batch, with each row's slots. */
function batchSlots(batch: Triples, ws: StepWorkspace): BatchSlots {
  const us = uniqueSlots([batch.users], ws.userSlot);
  const is = uniqueSlots([batch.pos, batch.neg], ws.itemSlot);
  return {
    batch,
    nB: batch.users.length,
    users: us.uniq,
    items: is.uniq,
    uSlot: us.slots[0],
    iSlot: is.slots[0],
    jSlot: is.slots[1],
  };
}

/**
 * Forward: x = E c for the distinct items; the K extra rows [E] give E E^T (closed form).
 * Leaves `[C_U ; E]` in the {@link ROWS} heap buffer for {@link featureGradient}.
 */
function forward(
  w: Weights,
  opts: StepOptions,
  b: BatchSlots,
  p: { closed: boolean; l3: number; ws: StepWorkspace },
): Forward {
  const k = w.k;
  const nI = b.items.length;
  const f = opts.features;
  const E = w.E;
  if (!f || !E) throw new Error(`${opts.model} needs features and E`);
  const d = w.dim;
  if (f.dim !== d) throw new RangeError(`features have dim ${f.dim}, weights ${d}`);
  const nE = p.closed || p.l3 !== 0 ? k : 0;
  const heapRows = heapScratch(ROWS);
  const rows = heapRows.view((nI + nE) * d);
  if (!holds(heapRows, f, b.items)) {
    heapRows.contents = undefined;
    gatherRows(f, b.items, rows);
    heapRows.contents = { features: f, items: b.items.slice() } satisfies HeldRows;
  }
  if (nE > 0) rows.set(E, nI * d);
  const ws = p.ws;
  if (ws.et.length !== k * d) ws.et = new Float32Array(k * d);
  transpose(E, k, d, ws.et);
  const out = heapRows.matMul(nI + (p.closed ? k : 0), d, ws.et, k);
  return { x: out.subarray(0, nI * k), eet: p.closed ? out.subarray(nI * k) : null, d, nE };
}

/** Clean scores and dloss/d(y_ui - y_uj). */
function margins(m: BatchModel, b: BatchSlots, x: Float32Array | null): Margins {
  const { k, P, Q, V } = m;
  const { batch, nB, iSlot, jSlot } = b;
  const s = new Float64Array(nB);
  const margin = new Float64Array(nB);
  let loss = 0;
  for (let r = 0; r < nB; r++) {
    const pu = batch.users[r] * k;
    let y = 0;
    if (Q) {
      const qi = batch.pos[r] * k;
      const qj = batch.neg[r] * k;
      for (let c = 0; c < k; c++) y += P[pu + c] * (Q[qi + c] - Q[qj + c]);
    }
    if (x) {
      const xi = iSlot[r] * k;
      const xj = jSlot[r] * k;
      for (let c = 0; c < k; c++) y += V[pu + c] * (x[xi + c] - x[xj + c]);
    }
    margin[r] = y;
    s[r] = -1 / (1 + Math.exp(y));
    loss += softplus(-y);
  }
  return { s, margin, loss };
}

/** Adversary: g_i = sum over the item's rows of +-s_r v_u, then Delta and E Delta. */
function adversaryTerms(
  w: Weights,
  opts: StepOptions,
  m: BatchModel,
  b: BatchSlots,
  p: { fwd: Forward; mar: Margins; ws: StepWorkspace },
): AdversaryTerms {
  const { k, V } = m;
  const { batch, nB, iSlot, jSlot } = b;
  const { x, eet, d } = p.fwd;
  const { s, margin } = p.mar;
  const adv = opts.adversary ?? null;
  const nI = b.items.length;
  let pert: Perturbation | null = null;
  let g: Float32Array | null = null;
  const sAdv = new Float64Array(nB);
  let advLoss = 0;
  if (adv && x) {
    if (adv.kind !== "rand") {
      g = new Float32Array(nI * k);
      for (let r = 0; r < nB; r++) {
        const vu = batch.users[r] * k;
        const gi = iSlot[r] * k;
        const gj = jSlot[r] * k;
        const sr = s[r];
        for (let c = 0; c < k; c++) {
          const v = sr * V[vu + c];
          g[gi + c] += v;
          g[gj + c] -= v;
        }
      }
    }
    pert = eet && g
      ? closedFormPerturbation(g, eet, { n: nI, k, eps: adv.eps })
      : materialisedPerturbation(adv.kind, g, {
        n: nI,
        k,
        dim: d,
        eps: adv.eps,
        E: w.E!,
        Et: p.ws.et,
        rng: opts.rng,
        out: growRows(p.ws, nI * d).subarray(0, nI * d),
      });
    const e = pert.latent;
    for (let r = 0; r < nB; r++) {
      const vu = batch.users[r] * k;
      const ei = iSlot[r] * k;
      const ej = jSlot[r] * k;
      let y = margin[r];
      for (let c = 0; c < k; c++) y += V[vu + c] * (e[ei + c] - e[ej + c]);
      sAdv[r] = -adv.lambda / (1 + Math.exp(y));
      advLoss += softplus(-y);
    }
  }
  return { pert, g, sAdv, advLoss };
}

/** Gradients per distinct user and item, and the L2 terms of P, H, Q and `E c_i`. */
function rowGradients(
  m: BatchModel,
  b: BatchSlots,
  p: {
    x: Float32Array | null;
    s: Float64Array;
    adv: AdversaryTerms;
    l1: number;
    l2: number;
    paper: boolean;
  },
): RowGradients {
  const { k, P, Q, H, V } = m;
  const { batch, nB, uSlot, iSlot, jSlot } = b;
  const { x, s, l1, l2, paper } = p;
  const { pert, sAdv } = p.adv;
  const nU = b.users.length;
  const nI = b.items.length;
  const gP = new Float32Array(nU * k);
  const gH = H ? new Float32Array(nU * k) : null;
  const gQ = Q ? new Float32Array(nI * k) : null;
  const A = x ? new Float32Array(nI * k) : null; // dloss/d(E c_i)
  const Bm = pert ? new Float32Array(nI * k) : null; // dloss/d(E Delta_i)
  const e = pert ? pert.latent : null;
  let regLoss = 0;
  for (let r = 0; r < nB; r++) {
    const pu = batch.users[r] * k;
    const gu = uSlot[r] * k;
    const si = iSlot[r] * k;
    const sj = jSlot[r] * k;
    const qi = batch.pos[r] * k;
    const qj = batch.neg[r] * k;
    const c1 = s[r] + sAdv[r];
    const ca = sAdv[r];
    for (let c = 0; c < k; c++) {
      const p = P[pu + c];
      const v = V[pu + c];
      let gp = 2 * l1 * p;
      regLoss += l1 * p * p;
      if (gH && H) {
        const h = H[pu + c];
        gH[gu + c] += 2 * l1 * h;
        regLoss += l1 * h * h;
      }
      const q1 = Q ? Q[qi + c] : 0;
      const q2 = Q ? Q[qj + c] : 0;
      const x1 = x ? x[si + c] : 0;
      const x2 = x ? x[sj + c] : 0;
      if (gQ) {
        gp += c1 * (q1 - q2);
        gQ[si + c] += c1 * p;
        gQ[sj + c] -= c1 * p;
      }
      if (A) {
        let dv = c1 * (x1 - x2);
        if (e && Bm) {
          dv += ca * (e[si + c] - e[sj + c]);
          Bm[si + c] += ca * v;
          Bm[sj + c] -= ca * v;
        }
        if (gH) gH[gu + c] += dv;
        else gp += dv;
        A[si + c] += c1 * v;
        A[sj + c] -= c1 * v;
      }
      gP[gu + c] += gp;
      // Item regularisation, once per batch row (as the authors' gather-based loss).
      if (paper) {
        // Eq. 10: the positive's ID vector only.
        if (gQ) gQ[si + c] += 2 * l2 * q1;
        regLoss += l2 * q1 * q1;
      } else if (H) {
        if (gQ) {
          gQ[si + c] += 2 * l2 * q1;
          gQ[sj + c] += 2 * l2 * q2;
        }
        if (A) {
          A[si + c] += 2 * l2 * x1;
          A[sj + c] += 2 * l2 * x2;
        }
        regLoss += l2 * (q1 * q1 + q2 * q2 + x1 * x1 + x2 * x2);
      } else {
        const z1 = q1 + x1;
        const z2 = q2 + x2;
        if (gQ) {
          gQ[si + c] += 2 * l2 * z1;
          gQ[sj + c] += 2 * l2 * z2;
        }
        if (A) {
          A[si + c] += 2 * l2 * z1;
          A[sj + c] += 2 * l2 * z2;
        }
        regLoss += l2 * (z1 * z1 + z2 * z2);
      }
    }
  }
  return { gP, gH, gQ, A, Bm, regLoss };
}

/** `l3 * ||E||^2`, the E prior's term of the loss. */
function ePrior(E: Float32Array, l3: number): number {
  let sq = 0;
  for (let t = 0; t < E.length; t++) sq += E[t] * E[t];
  return l3 * sq;
}

/** Loss and explicit gradients of one batch of triples at the current weights. */
export function bprGradients(w: Weights, batch: Triples, opts: StepOptions): BatchGradients {
  const spec = modelSpec(opts.model);
  const m = batchModel(w, opts);
  const k = m.k;
  const [l1, l2, beta3] = opts.regs;
  const paper = (opts.regulariser ?? "official") === "paper";
  // The weight of ||E||^2 in this batch's loss. Official: `l3` once per batch (the authors'
  // `VBPR.py`). Paper: eq. 10 is a per-triple loss with `beta ||E||^2` in every term, so the
  // batch's sum carries it once per row: `batch_size * beta_E` (a short last batch, fewer rows).
  const l3 = paper ? beta3 * batch.users.length : beta3;
  const adv = opts.adversary ?? null;
  if (adv && !spec.hasE) throw new Error(`${opts.model} has no features to perturb`);
  if (opts.model === "amr" && !adv) throw new Error("amr needs an adversary");
  const closed = adv !== null && adv.kind === "grad" &&
    (opts.adversaryPath ?? "closed") === "closed";
  const ws = opts.workspace ?? createStepWorkspace(m.P.length / k, itemCount(w, opts.features));
  const b = batchSlots(batch, ws);

  const fwd: Forward = spec.hasE
    ? forward(w, opts, b, { closed, l3, ws })
    : { x: null, eet: null, d: 0, nE: 0 };
  const mar = margins(m, b, fwd.x);
  const at = adversaryTerms(w, opts, m, b, { fwd, mar, ws });
  const rg = rowGradients(m, b, { x: fwd.x, s: mar.s, adv: at, l1, l2, paper });

  // E gradient.
  let regLoss = rg.regLoss;
  let gE: Float32Array | null = null;
  if (rg.A && w.E) {
    const { A, Bm } = rg;
    const nI = b.items.length;
    gE = featureGradient(at.pert?.delta ?? null, {
      A,
      B: Bm,
      g: at.g,
      pert: at.pert,
      nI,
      nE: fwd.nE,
      k,
      d: fwd.d,
      l3,
      features: opts.features!,
      items: b.items,
    });
    if (l3 !== 0) regLoss += ePrior(w.E, l3);
  }

  const { gP, gH, gQ } = rg;
  return {
    loss: mar.loss,
    advLoss: at.advLoss,
    regLoss,
    users: b.users,
    gP,
    gH,
    items: b.items,
    gQ,
    gE,
    perturbation: at.pert,
  };
}
