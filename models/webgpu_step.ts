/**
 * The BPR/VBPR/AMR training step on tfjs's WebGPU backend: the objective of models/bpr_step.ts
 * (both regulariser forms, every adversary) written with tfjs ops and differentiated by tfjs's
 * autodiff, with TF1 Adagrad applied on the device. Weights, Adagrad accumulators and features
 * stay on the device; per batch only the indices go up.
 *
 * The adversary's Delta is a constant of the step (stop-gradient, as in bpr_step.ts): the
 * closed-form `grad` adversary builds `E Delta_i = scale_i (E E^T) g_i` from `stop(E) E^T`, so
 * that the gradient flows through the second E only (`d(E Delta_i) = dE Delta_i`), exactly the
 * `M` term of bpr_step.ts's feature gradient. Autodiff works here because WebGPU has the gather's
 * gradient (`UnsortedSegmentSum`) that the WASM backend lacks (docs/wasm-under-deno.md).
 *
 * The embedding gradients are dense over their tables (the gather's gradient), and Adagrad's
 * dense update leaves the rows a batch does not touch unchanged (their gradient is 0), so it is
 * the sparse update of models/adagrad.ts.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../pipeline/stage/mod.ts";
import { L2_NORMALIZE_FLOOR } from "./adversary.ts";
import type { OptimizerState } from "./adagrad.ts";
import type { AdversaryPath } from "./bpr_step.ts";
import { type DeviceFeatures, deviceFeatures } from "./device_features.ts";
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

/** Weights and Adagrad accumulators on the device. */
export interface DeviceModel {
  /** Width K. */
  k: number;
  /** Feature dimension D. */
  dim: number;
  /** Parameters by name (P always; Q, E, H when the model has them). */
  vars: Partial<Record<ParamName, tf.Variable>>;
  /** Adagrad accumulators by parameter name. */
  acc: Partial<Record<ParamName, tf.Variable>>;
}

/** A trained parameter. */
export type ParamName = "P" | "Q" | "E" | "H";

const PARAMS: readonly ParamName[] = ["P", "Q", "E", "H"];

/** Uploads weights and accumulators (copies; the host arrays are left untouched). */
export function uploadModel(w: Weights, state: OptimizerState): DeviceModel {
  requireWebgpu();
  const m: DeviceModel = { k: w.k, dim: w.dim, vars: {}, acc: {} };
  for (const name of PARAMS) {
    const a = w[name];
    const s = state[name];
    if (!a || !s) continue;
    const shape: [number, number] = name === "E" ? [w.k, w.dim] : [a.length / w.k, w.k];
    m.vars[name] = tf.tidy(() => tf.variable(tf.tensor2d(a, shape), true));
    m.acc[name] = tf.tidy(() => tf.variable(tf.tensor2d(s, shape), false));
  }
  return m;
}

/** Reads weights and accumulators back into the host arrays `w` and `state`. */
export async function downloadModel(
  m: DeviceModel,
  w: Weights,
  state: OptimizerState | null,
): Promise<void> {
  for (const name of PARAMS) {
    const v = m.vars[name];
    if (!v) continue;
    w[name]!.set(await v.data() as Float32Array);
    if (state) state[name]!.set(await m.acc[name]!.data() as Float32Array);
  }
}

/** Frees the device copies. */
export function disposeModel(m: DeviceModel): void {
  for (const name of PARAMS) {
    m.vars[name]?.dispose();
    m.acc[name]?.dispose();
  }
}

/** What a device step needs besides the model and the triples. */
export interface DeviceStepOptions {
  /** Model kind (a model with E: DUIF, VBPR, VBPR eq. 2, AMR). */
  model: ModelKind;
  /** Item features (uploaded once, models/device_features.ts). */
  features: FeatureMatrix;
  /** L2 weights [l1, l2, l3]. */
  regs: readonly [number, number, number];
  /** `official` (default) or `paper` (eq. 10), as in models/bpr_step.ts. */
  regulariser?: RegulariserForm;
  /** Adversary, absent for plain BPR. */
  adversary?: AdversaryConfig;
  /** `closed` (default) or `materialised` for the `grad` adversary. */
  adversaryPath?: AdversaryPath;
  /** Noise source of the `rand` adversary (its noise, D-wide, is drawn here and uploaded). */
  rng?: Rng;
}

/** The loss terms of one batch, as device scalars [loss, advLoss, regLoss]. */
export type DeviceTerms = tf.Tensor;

/** Identity whose gradient is zero: the stop-gradient of the adversary's constants. */
const stop = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: (args[0] as tf.Tensor).clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor) => tf.Tensor;

function requireWebgpu(): void {
  if (tf.getBackend() !== "webgpu") {
    throw new Error("webgpu step: the active tfjs backend is not WebGPU (initTf first)");
  }
}

/** The batch's index tensors: the only per-batch upload besides `rand` noise. */
interface BatchIndices {
  users: tf.Tensor;
  pos: tf.Tensor;
  neg: tf.Tensor;
  iSlot: tf.Tensor;
  jSlot: tf.Tensor;
  /** Distinct items (positives and negatives). */
  items: Int32Array;
}

function batchIndices(batch: Triples, itemSlot: Int32Array): BatchIndices {
  const is = uniqueSlots([batch.pos, batch.neg], itemSlot);
  return {
    users: tf.tensor1d(batch.users, "int32"),
    pos: tf.tensor1d(batch.pos, "int32"),
    neg: tf.tensor1d(batch.neg, "int32"),
    iSlot: tf.tensor1d(is.slots[0], "int32"),
    jSlot: tf.tensor1d(is.slots[1], "int32"),
    items: is.uniq,
  };
}

const sumSq = (t: tf.Tensor): tf.Tensor => tf.sum(tf.square(t));

/** `sum_r v_r . (a_{i_r} - a_{j_r})` per row r. */
function rowDot(v: tf.Tensor, a: tf.Tensor, idx: BatchIndices): tf.Tensor {
  return tf.sum(tf.mul(v, tf.sub(tf.gather(a, idx.iSlot), tf.gather(a, idx.jSlot))), 1);
}

/**
 * `E Delta_i` per distinct item (nI x K) with Delta constant, from the clean margins `y`; the
 * gradient flows through E (not through Delta).
 */
function perturbation(
  E: tf.Variable,
  p: {
    y: tf.Tensor;
    V: tf.Tensor;
    idx: BatchIndices;
    adv: AdversaryConfig;
    closed: boolean;
    noise: tf.Tensor | null;
  },
): tf.Tensor {
  const { y, V, idx, adv } = p;
  const nI = idx.items.length;
  const floor = tf.scalar(L2_NORMALIZE_FLOOR);
  const eps = tf.scalar(adv.eps);
  const unit = (rows: tf.Tensor): tf.Tensor =>
    tf.mul(rows, tf.div(eps, tf.sqrt(tf.maximum(tf.sum(tf.square(rows), 1, true), floor))));
  if (adv.kind === "rand") {
    return tf.matMul(stop(unit(p.noise!)), E, false, true);
  }
  // g_i = sum over the item's rows of +-s_r v_u, s_r = dloss/d(y_ui - y_uj) = -sigmoid(-y).
  const sv = stop(tf.mul(tf.neg(tf.sigmoid(tf.neg(y))).expandDims(1), V)) as tf.Tensor;
  const g = tf.sub(
    tf.unsortedSegmentSum(sv, idx.iSlot as tf.Tensor1D, nI),
    tf.unsortedSegmentSum(sv, idx.jSlot as tf.Tensor1D, nI),
  );
  if (p.closed) {
    const eetHalf = tf.matMul(stop(E as tf.Tensor), E, false, true); // value E E^T
    const eet = stop(eetHalf);
    const sq = tf.sum(tf.mul(tf.matMul(g, eet), g), 1, true);
    const scale = tf.div(eps, tf.sqrt(tf.maximum(sq, floor)));
    return tf.matMul(tf.mul(g, scale), eetHalf);
  }
  const G = tf.matMul(g, stop(E as tf.Tensor)); // nI x D: E^T g_i per item
  const delta = adv.kind === "sign" ? tf.mul(eps, tf.sign(G)) : unit(G);
  return tf.matMul(stop(delta as tf.Tensor), E, false, true);
}

/**
 * The objective of one batch (bpr_step.ts's module comment) as a device scalar, with its terms
 * `[loss, advLoss, regLoss]` in `terms` (kept: the caller disposes them).
 */
function objective(
  m: DeviceModel,
  p: {
    opts: DeviceStepOptions;
    dev: DeviceFeatures;
    idx: BatchIndices;
    noise: tf.Tensor | null;
    terms: { out: DeviceTerms | null };
  },
) {
  const { opts, dev, idx } = p;
  const spec = modelSpec(opts.model);
  const [l1, l2, beta3] = opts.regs;
  // As models/bpr_step.ts: eq. 10 ("paper") carries beta_E ||E||^2 once per batch row.
  const rows = idx.users.shape[0];
  const l3 = (opts.regulariser ?? "official") === "paper" ? beta3 * rows : beta3;
  const { P, Q, E, H } = m.vars;
  if (!E) throw new Error(`${opts.model}: the WebGPU step needs a model with E`);
  const Pu = tf.gather(P!, idx.users) as tf.Tensor;
  const Hu = H ? tf.gather(H, idx.users) as tf.Tensor : null;
  const V = Hu ?? Pu;
  const C = dev.gather(idx.items);
  const X = tf.matMul(C, E, false, true) as tf.Tensor; // nI x K: E c_i
  let y = rowDot(V, X, idx);
  let Qi: tf.Tensor | null = null;
  let Qj: tf.Tensor | null = null;
  if (Q && spec.hasQ) {
    Qi = tf.gather(Q, idx.pos) as tf.Tensor;
    Qj = tf.gather(Q, idx.neg) as tf.Tensor;
    y = tf.add(y, tf.sum(tf.mul(Pu, tf.sub(Qi, Qj)), 1));
  }
  const loss = tf.sum(tf.softplus(tf.neg(y)));
  let advLoss: tf.Tensor = tf.scalar(0);
  let total: tf.Tensor = loss;
  const adv = opts.adversary;
  if (adv) {
    const closed = adv.kind === "grad" && (opts.adversaryPath ?? "closed") === "closed";
    const e = perturbation(E, { y, V, idx, adv, closed, noise: p.noise });
    const yAdv = tf.add(y, rowDot(V, e as tf.Tensor, idx));
    advLoss = tf.sum(tf.softplus(tf.neg(yAdv)));
    total = tf.add(total, tf.mul(adv.lambda, advLoss));
  }
  // Regularisation, per batch row (as the authors' gather-based loss).
  let reg: tf.Tensor = tf.mul(l1, sumSq(Pu));
  if (Hu) reg = tf.add(reg, tf.mul(l1, sumSq(Hu)));
  const Xi = tf.gather(X, idx.iSlot);
  const Xj = tf.gather(X, idx.jSlot);
  if ((opts.regulariser ?? "official") === "paper") {
    if (Qi) reg = tf.add(reg, tf.mul(l2, sumSq(Qi)));
  } else if (Hu) {
    const q = Qi && Qj ? tf.add(sumSq(Qi), sumSq(Qj)) : tf.scalar(0);
    reg = tf.add(reg, tf.mul(l2, tf.add(q, tf.add(sumSq(Xi), sumSq(Xj)))));
  } else {
    const zi = Qi ? tf.add(Qi, Xi) : Xi;
    const zj = Qj ? tf.add(Qj, Xj) : Xj;
    reg = tf.add(reg, tf.mul(l2, tf.add(sumSq(zi), sumSq(zj))));
  }
  if (l3 !== 0) reg = tf.add(reg, tf.mul(l3, sumSq(E)));
  total = tf.add(total, reg);
  p.terms.out = tf.keep(tf.stack([loss, advLoss, reg]));
  return total as tf.Scalar;
}

/** Per-run scratch of the device step. */
export interface DeviceWorkspace {
  /** Slot map over items (models/slots.ts). */
  itemSlot: Int32Array;
}

/** Scratch for a model with `nItems` items. */
export function createDeviceWorkspace(nItems: number): DeviceWorkspace {
  return { itemSlot: slotMap(nItems) };
}

/** The `rand` adversary's noise for `nI` items, drawn on the host in bpr_step.ts's order. */
function randNoise(opts: DeviceStepOptions, nI: number, d: number): tf.Tensor | null {
  if (opts.adversary?.kind !== "rand") return null;
  if (!opts.rng) throw new Error("rand perturbation needs an rng");
  const z = new Float32Array(nI * d);
  for (let t = 0; t < z.length; t++) z[t] = opts.rng.normal();
  return tf.tensor2d(z, [nI, d]);
}

/**
 * Dense gradients of one batch's objective by parameter name, and its terms; all device
 * tensors the caller disposes.
 */
export function deviceGradients(
  m: DeviceModel,
  batch: Triples,
  opts: DeviceStepOptions & { workspace: DeviceWorkspace },
): { grads: Partial<Record<ParamName, tf.Tensor>>; terms: DeviceTerms } {
  requireWebgpu();
  if (opts.adversary && !modelSpec(opts.model).hasE) {
    throw new Error(`${opts.model} has no features to perturb`);
  }
  if (opts.model === "amr" && !opts.adversary) throw new Error("amr needs an adversary");
  const dev = deviceFeatures(opts.features);
  const idx = batchIndices(batch, opts.workspace.itemSlot);
  const noise = randNoise(opts, idx.items.length, m.dim);
  const terms: { out: DeviceTerms | null } = { out: null };
  const list = PARAMS.filter((n) => m.vars[n]).map((n) => m.vars[n]!);
  try {
    const { value, grads } = tf.variableGrads(
      () => objective(m, { opts, dev, idx, noise, terms }),
      list,
    );
    value.dispose();
    const byName: Partial<Record<ParamName, tf.Tensor>> = {};
    for (const n of PARAMS) if (m.vars[n]) byName[n] = grads[m.vars[n]!.name];
    return { grads: byName, terms: terms.out! };
  } finally {
    for (const t of [idx.users, idx.pos, idx.neg, idx.iSlot, idx.jSlot]) t.dispose();
    noise?.dispose();
  }
}

/**
 * One training batch on the device: gradients, then TF1 Adagrad (`acc += g^2`,
 * `w -= lr g / sqrt(acc)`) with `lr[0]` for P and H, `lr[1]` for Q, `lr[2]` for E. Returns the
 * batch's terms `[loss, advLoss, regLoss]` as a device tensor (the caller disposes it; reading
 * it back is what synchronises, so callers read only every few batches).
 */
export function deviceStep(
  m: DeviceModel,
  batch: Triples,
  opts: DeviceStepOptions & { workspace: DeviceWorkspace; lr: readonly [number, number, number] },
): DeviceTerms {
  const { grads, terms } = deviceGradients(m, batch, opts);
  const lrOf: Record<ParamName, number> = {
    P: opts.lr[0],
    H: opts.lr[0],
    Q: opts.lr[1],
    E: opts.lr[2],
  };
  tf.tidy(() => {
    for (const n of PARAMS) {
      const g = grads[n];
      if (!g) continue;
      const acc = m.acc[n]!;
      const a = tf.add(acc, tf.square(g));
      acc.assign(a);
      m.vars[n]!.assign(tf.sub(m.vars[n]!, tf.mul(lrOf[n], tf.div(g, tf.sqrt(a)))));
    }
  });
  for (const n of PARAMS) grads[n]?.dispose();
  return terms;
}
