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
import type { Manifest } from "../pipeline/stage/mod.ts";
import type { ControlEpochs, ControlSet, ControlTable } from "./input.ts";
import { ALPHA } from "../config/protocol.ts";

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
  /** Significance level recorded with the set (default `ALPHA`, 0.05). */
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
  } = { alpha: opts.alpha ?? ALPHA };
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

/** What {@link controlEpochs} reads of a run's `train_summary.json`. */
export interface TrainSummaryFacts {
  /** Epochs the run actually trained (after any tuning override). */
  readonly epochs: number;
  /** Hyper-parameters it actually used. */
  readonly hyper: {
    readonly lr: readonly number[];
    readonly regs: readonly number[];
    /** Regulariser form (absent in summaries written before the switch: `official`). */
    readonly regulariser?: string;
  };
}

/** The runs' `train_summary.json`, by the report stage's input names. */
export interface ControlSummaries {
  /** AMR's. */
  readonly amr?: TrainSummaryFacts;
  /** Table 2's VBPR's. */
  readonly vbpr?: TrainSummaryFacts;
  /** VBPR-continued's (the lambda = 0 control). */
  readonly vbpr_continued?: TrainSummaryFacts;
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The regulariser form a run recorded (`official` when its summary predates the field). */
function regulariserOf(s: TrainSummaryFacts): string {
  return s.hyper.regulariser ?? "official";
}

/**
 * The settings the three runs actually used, read from their training summaries (epochs, lr,
 * regs, after any `chosen.json` override), and the node each of AMR and VBPR-continued started
 * from (their manifests' `init_P` input); undefined when a summary is missing.
 *
 * @param s the runs' training summaries
 * @param m the runs' manifests (for the starting weights)
 */
export function controlEpochs(s: ControlSummaries, m: ControlManifests): ControlEpochs | undefined {
  if (!s.amr || !s.vbpr || !s.vbpr_continued) return undefined;
  const startOf = (x: Readonly<Manifest> | undefined) => x?.inputs.init_P?.node ?? "unknown";
  return {
    vbpr: s.vbpr.epochs,
    amr: s.amr.epochs,
    continued: s.vbpr_continued.epochs,
    sameOptimiser: same(s.amr.hyper.lr, s.vbpr_continued.hyper.lr) &&
      same(s.amr.hyper.regs, s.vbpr_continued.hyper.regs) &&
      regulariserOf(s.amr) === regulariserOf(s.vbpr_continued),
    vbprOptimiser: same(s.amr.hyper.lr, s.vbpr.hyper.lr) &&
      same(s.amr.hyper.regs, s.vbpr.hyper.regs),
    regulariser: {
      vbpr: regulariserOf(s.vbpr),
      amr: regulariserOf(s.amr),
      continued: regulariserOf(s.vbpr_continued),
    },
    start: { amr: startOf(m.amr), continued: startOf(m.vbpr_continued) },
  };
}
