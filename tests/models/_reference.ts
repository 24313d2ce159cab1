/**
 * Test helpers: a plain float64 reference of the BPR/AMR batch objective (no shortcuts, Delta
 * materialised D-wide, the adversary's gradient summed naively in feature space), central finite
 * differences, and small assertions.
 */
import { Rng } from "../../pipeline/stage/rng.ts";
import {
  type FeatureMatrix,
  type ModelKind,
  modelSpec,
  type RegulariserForm,
  type Triples,
  type Weights,
} from "../../models/types.ts";

export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

/** Asserts bit-identical float arrays. */
export function assertSame(a: ArrayLike<number>, b: ArrayLike<number>, msg = ""): void {
  assert(a.length === b.length, `${msg} length ${a.length} != ${b.length}`);
  for (let t = 0; t < a.length; t++) {
    assert(Object.is(a[t], b[t]) || a[t] === b[t], `${msg} [${t}]: ${a[t]} !== ${b[t]}`);
  }
}

/** Random float32 array with normal entries of the given std. */
export function randn(n: number, std: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let t = 0; t < n; t++) out[t] = rng.normal() * std;
  return out;
}

/** Tiny random problem: weights of `model` with large-ish values, features and a batch. */
export function tinyProblem(model: ModelKind, opts: { seed: number; k?: number; dim?: number }) {
  const rng = new Rng(opts.seed);
  const k = opts.k ?? 4;
  const dim = opts.dim ?? 6;
  const nUsers = 5;
  const nItems = 8;
  const spec = modelSpec(model);
  const w: Weights = {
    P: randn(nUsers * k, 0.5, rng),
    Q: spec.hasQ ? randn(nItems * k, 0.5, rng) : null,
    E: spec.hasE ? randn(k * dim, 0.3, rng) : null,
    k,
    dim: spec.hasE ? dim : 0,
  };
  if (spec.hasH) w.H = randn(nUsers * k, 0.5, rng);
  const features: FeatureMatrix = { rows: nItems, dim, data: randn(nItems * dim, 1, rng) };
  // Item 2 repeats (twice positive, once negative), user 0 repeats.
  const batch: Triples = {
    users: Int32Array.from([0, 1, 0, 3, 4, 2]),
    pos: Int32Array.from([2, 2, 5, 1, 7, 3]),
    neg: Int32Array.from([4, 6, 1, 2, 0, 4]),
  };
  return { w, features, batch, nUsers, nItems };
}

type Arr = ArrayLike<number>;

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Float64 reference pieces for a weight set (read through plain indexing). */
export class Reference {
  constructor(
    readonly model: ModelKind,
    readonly w: { P: Arr; Q: Arr | null; E: Arr | null; H?: Arr; k: number; dim: number },
    readonly f: FeatureMatrix,
  ) {}

  /** E (c_i + delta) as a K-vector. */
  latent(i: number, delta?: Arr): number[] {
    const { k, dim, E } = this.w;
    const out = new Array(k).fill(0);
    if (!E) return out;
    for (let a = 0; a < k; a++) {
      let acc = 0;
      for (let c = 0; c < dim; c++) {
        acc += E[a * dim + c] * (this.f.data[i * dim + c] + (delta ? delta[c] : 0));
      }
      out[a] = acc;
    }
    return out;
  }

  /** Score y(u, i) with optional feature perturbation. */
  score(u: number, i: number, delta?: Arr): number {
    const { k, P, Q, H } = this.w;
    const x = this.latent(i, delta);
    const V = modelSpec(this.model).hasH ? H! : P;
    let y = 0;
    for (let c = 0; c < k; c++) {
      if (Q) y += P[u * k + c] * Q[i * k + c];
      if (this.w.E) y += V[u * k + c] * x[c];
    }
    return y;
  }

  /** Naive adversary: G_i summed over batch rows in feature space, then grad/sign. */
  deltas(batch: Triples, kind: "grad" | "sign", eps: number): Map<number, Float64Array> {
    const { k, dim, E, P, H } = this.w;
    const V = modelSpec(this.model).hasH ? H! : P;
    const G = new Map<number, Float64Array>();
    const add = (i: number, coef: number, u: number) => {
      if (!G.has(i)) G.set(i, new Float64Array(dim));
      const gi = G.get(i)!;
      for (let c = 0; c < dim; c++) {
        let acc = 0;
        for (let a = 0; a < k; a++) acc += E![a * dim + c] * V[u * k + a];
        gi[c] += coef * acc;
      }
    };
    for (let r = 0; r < batch.users.length; r++) {
      const u = batch.users[r];
      const m = this.score(u, batch.pos[r]) - this.score(u, batch.neg[r]);
      const s = -1 / (1 + Math.exp(m));
      add(batch.pos[r], s, u);
      add(batch.neg[r], -s, u);
    }
    for (const gi of G.values()) {
      const norm = Math.sqrt(Math.max(gi.reduce((a, v) => a + v * v, 0), 1e-12));
      for (let c = 0; c < dim; c++) {
        gi[c] = kind === "grad" ? (eps * gi[c]) / norm : eps * Math.sign(gi[c]);
      }
    }
    return G;
  }

  /** Full batch objective with Delta held fixed. */
  objective(
    batch: Triples,
    opts: {
      regs: readonly number[];
      lambda?: number;
      deltas?: Map<number, Arr>;
      regulariser?: RegulariserForm;
    },
  ): { loss: number; advLoss: number; regLoss: number; total: number } {
    const { k, P, Q, E, H } = this.w;
    const [l1, l2, l3] = opts.regs;
    const eq2 = modelSpec(this.model).hasH;
    let loss = 0;
    let advLoss = 0;
    let regLoss = 0;
    for (let r = 0; r < batch.users.length; r++) {
      const u = batch.users[r];
      const i = batch.pos[r];
      const j = batch.neg[r];
      loss += softplus(-(this.score(u, i) - this.score(u, j)));
      if (opts.deltas) {
        advLoss += softplus(
          -(this.score(u, i, opts.deltas.get(i)) - this.score(u, j, opts.deltas.get(j))),
        );
      }
      for (let c = 0; c < k; c++) {
        regLoss += l1 * P[u * k + c] ** 2;
        if (eq2) regLoss += l1 * H![u * k + c] ** 2;
      }
      if (opts.regulariser === "paper") {
        // Eq. 10 as written, per triple: beta (|p_u|^2 + |q_i|^2 + |E|^2), ID vector of the
        // positive only, E's term in every triple of the batch.
        for (let c = 0; c < k; c++) regLoss += Q ? l2 * Q[i * k + c] ** 2 : 0;
        if (E) { for (let t = 0; t < E.length; t++) regLoss += l3 * E[t] ** 2; }
        continue;
      }
      for (const it of [i, j]) {
        const x = this.latent(it);
        for (let c = 0; c < k; c++) {
          const q = Q ? Q[it * k + c] : 0;
          regLoss += eq2 ? l2 * (q * q + x[c] * x[c]) : l2 * (q + x[c]) ** 2;
        }
      }
    }
    // Official (the authors' `VBPR.py`): E's term once per batch.
    if (E && opts.regulariser !== "paper") {
      for (let t = 0; t < E.length; t++) regLoss += l3 * E[t] ** 2;
    }
    return { loss, advLoss, regLoss, total: loss + (opts.lambda ?? 0) * advLoss + regLoss };
  }
}

/** Float64 copy of a weight set. */
export function toFloat64(w: Weights) {
  return {
    P: Float64Array.from(w.P),
    Q: w.Q ? Float64Array.from(w.Q) : null,
    E: w.E ? Float64Array.from(w.E) : null,
    H: w.H ? Float64Array.from(w.H) : undefined,
    k: w.k,
    dim: w.dim,
  };
}

/** Central difference of `fn` with respect to entry t of `arr` (restored afterwards). */
export function centralDiff(arr: Float64Array, t: number, fn: () => number, h = 1e-5): number {
  const v = arr[t];
  arr[t] = v + h;
  const up = fn();
  arr[t] = v - h;
  const down = fn();
  arr[t] = v;
  return (up - down) / (2 * h);
}
