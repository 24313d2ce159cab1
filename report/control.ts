/**
 * The lambda = 0 control of the report: AMR against VBPR trained on from the same VBPR weights
 * for AMR's epochs with AMR's learning rates and L2 weights and no adversary (node
 * `vbpr-continued`), and against Table 2's VBPR, on HR@10 and NDCG@10 over all, cold and warm
 * test users, each with a paired t-test over users (`models/significance.ts`).
 *
 * Reads the per-user `metrics.npy` matrices of the `evaluate` stage (`[users, 6]`, columns in
 * `metricNames(PAPER_CUTOFFS)` order, NaN rows for users without a target).
 *
 * @module
 */
import { metricNames, PAPER_CUTOFFS } from "../models/evaluation.ts";
import { pairedTTest } from "../models/significance.ts";
import type { Manifest } from "../pipeline/manifest.ts";
import type { ControlEpochs, ControlSet, ControlTable } from "./input.ts";

/** Metrics the control compares. */
export const CONTROL_METRICS: readonly string[] = ["hr@10", "ndcg@10"];

/** Per-user metric matrices of the three runs (`evaluate`'s `metrics.npy`, same users). */
export interface ControlMatrices {
  /** AMR (`eval-amr`). */
  readonly amr: Float32Array;
  /** VBPR-continued (`eval-vbpr-continued`). */
  readonly continued: Float32Array;
  /** VBPR (`eval-vbpr`). */
  readonly vbpr: Float32Array;
}

/** Options of {@link buildControl}. */
export interface ControlOptions {
  /** Significance level recorded with the set (default 0.05). */
  readonly alpha?: number;
  /** Epochs of the runs, for the report's sentence. */
  readonly epochs?: ControlEpochs;
}

function mean(xs: Float64Array): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length > 0 ? s / xs.length : NaN;
}

function pOrNull(p: number): number | null {
  return Number.isFinite(p) ? p : null;
}

/**
 * One control table over the given users.
 *
 * @param m the three per-user matrices
 * @param users row indices of the users covered
 */
export function controlTable(m: ControlMatrices, users: readonly number[]): ControlTable {
  const names = metricNames(PAPER_CUTOFFS);
  const width = names.length;
  const column = (data: Float32Array, metric: string): Float64Array => {
    const c = names.indexOf(metric);
    if (c < 0) throw new Error(`control: unknown metric ${metric}`);
    return Float64Array.from(users, (u) => data[u * width + c]);
  };
  const amr: number[] = [];
  const continued: number[] = [];
  const vbpr: number[] = [];
  const pContinued: (number | null)[] = [];
  const pVbpr: (number | null)[] = [];
  for (const metric of CONTROL_METRICS) {
    const a = column(m.amr, metric);
    const c = column(m.continued, metric);
    const v = column(m.vbpr, metric);
    amr.push(mean(a));
    continued.push(mean(c));
    vbpr.push(mean(v));
    pContinued.push(pOrNull(pairedTTest(a, c).p));
    pVbpr.push(pOrNull(pairedTTest(a, v).p));
  }
  return {
    users: users.length,
    metrics: [...CONTROL_METRICS],
    amr,
    continued,
    vbpr,
    pContinued,
    pVbpr,
  };
}

/**
 * The control over all, cold and warm test users. Users whose row is NaN in any matrix (no
 * target) are left out; a subset without users is left out of the set.
 *
 * @param m per-user metric matrices, `[users, 6]` each
 * @param cold per-user flag, 1 = the test item is cold (`evaluate`'s `cold.npy`)
 * @param opts significance level and epochs
 * @throws Error when the matrices' or the mask's sizes disagree
 */
export function buildControl(
  m: ControlMatrices,
  cold: ArrayLike<number>,
  opts: ControlOptions = {},
): ControlSet {
  const width = metricNames(PAPER_CUTOFFS).length;
  const users = cold.length;
  for (const [name, data] of Object.entries(m) as [string, Float32Array][]) {
    if (data.length !== users * width) {
      throw new Error(
        `control: ${name} has ${data.length} values, expected ${users} users x ${width}`,
      );
    }
  }
  const all: number[] = [];
  for (let u = 0; u < users; u++) {
    if (![m.amr, m.continued, m.vbpr].some((d) => Number.isNaN(d[u * width]))) all.push(u);
  }
  const coldUsers = all.filter((u) => cold[u] === 1);
  const warmUsers = all.filter((u) => cold[u] !== 1);
  const part = (us: number[]) => (us.length > 0 ? controlTable(m, us) : undefined);
  const out: {
    -readonly [K in keyof ControlSet]: ControlSet[K];
  } = { alpha: opts.alpha ?? 0.05 };
  const overall = part(all);
  const c = part(coldUsers);
  const w = part(warmUsers);
  if (overall) out.overall = overall;
  if (c) out.cold = c;
  if (w) out.warm = w;
  if (opts.epochs) out.epochs = opts.epochs;
  return out;
}

/** The manifests {@link controlEpochs} reads, by the report stage's input names. */
export interface ControlManifests {
  /** `amr`'s manifest. */
  readonly amr?: Readonly<Manifest>;
  /** `vbpr`'s manifest. */
  readonly vbpr?: Readonly<Manifest>;
  /** `vbpr-continued`'s manifest. */
  readonly vbpr_continued?: Readonly<Manifest>;
}

function epochsOf(m: Readonly<Manifest> | undefined): number | undefined {
  const p = m?.params as Record<string, unknown> | undefined;
  return typeof p?.epochs === "number" ? p.epochs : undefined;
}

/**
 * The runs' epochs from their manifests, when AMR and VBPR-continued both start from the
 * `vbpr` node's weights (not, e.g., from the authors' pretrained VBPR) and every run records
 * its epochs; undefined otherwise.
 *
 * @param m manifests of `amr`, `vbpr` and `vbpr-continued`
 */
export function controlEpochs(m: ControlManifests): ControlEpochs | undefined {
  const fromVbpr = (x: Readonly<Manifest> | undefined) => x?.inputs.init_P?.node === "vbpr";
  const vbpr = epochsOf(m.vbpr);
  const amr = epochsOf(m.amr);
  const continued = epochsOf(m.vbpr_continued);
  if (!fromVbpr(m.amr) || !fromVbpr(m.vbpr_continued)) return undefined;
  if (vbpr === undefined || amr === undefined || continued === undefined) return undefined;
  return { vbpr, amr, continued };
}
