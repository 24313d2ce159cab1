/**
 * The AMR project's cost model for `reproduce --dry-run --estimate`, calibrated on this
 * machine, never typed in:
 *
 * - A training node (params with `epochs`, or eALS's `iterations`) costs
 *   `fixed + perEpoch x epochs trained + perEval x evaluations made` ({@link TrainPrice}). From
 *   earlier runs of its model on the same dataset (their manifests' durations, `epochsRun` and
 *   `evaluations`) when they separate the three terms, by least squares ({@link fitTrainPrice}):
 *   short runs (a halving rung, a pass-through) and long ones together do; else from their
 *   `meanEpochMs` with the rest of their duration as the fixed cost; else from the `deno task
 *   bench` files (`artifacts/bench/*.json`): the 1-thread epoch time of the bench scale closest to
 *   the dataset in items, from the latest file that timed that scale, and its full evaluation as
 *   `perEval`. A run evaluates at epoch 0, every `evalEvery` epochs and at its last
 *   ({@link evaluationsBetween}); eALS once.
 * - A node with `patience` (early stopping, models/early_stop.ts) is priced twice: its planned
 *   epochs are the bound, and the expected price takes the median epoch at which earlier runs of
 *   the same model on the same dataset stopped, or would have stopped under that patience (their
 *   `curve.csv`, read at the node's evaluation cadence; runs with the node's learning rates
 *   first, then any of the model). A run that ended before stopping counts as the bound.
 * - A successive-halving rung node (plan/halving.ts) is bounded by its rung's epochs; its
 *   expected price is that for the share of the level that trains in the rung, and a
 *   pass-through (its fixed cost: it copies the previous rung's results) for the rest
 *   ({@link rungCost}). With patience, a continuing point trains to its expected stop (read on
 *   earlier curves as above) and passes through once that stop lies before the rung.
 * - A point of a fused grid level (`fuse`, docs/performance.md#fused-grid-levels) pays its share
 *   of the fixed cost: the level's points load the data once, in one job. Its epochs are priced
 *   from earlier fused runs of its model (each timed by its own training time, `seconds` in its
 *   summary, not its share of the job), else from runs alone or the bench scaled by the bench's
 *   fused/alone epoch ratio (`fusedEpochS`: the draw and the feature gathers shared). Runs alone
 *   are priced from earlier runs alone first.
 * - Other nodes: the median duration of earlier runs of the same stage on the same dataset;
 *   without one, an `evaluate` node costs the bench's full evaluation.
 * - "Same dataset": the entry descends from a root entry (a node without inputs) whose stage
 *   and params equal one of the target's roots.
 * - Anything else is unknown, and the estimate says so.
 */
import { join } from "node:path";
import {
  canonicalJson,
  type CostModel,
  type GraphNode,
  hashFile,
  type Manifest,
  type NodeCost,
  type Store,
  type Target,
} from "../pipeline/mod.ts";
import { SCALES } from "../config/bench_scales.ts";
import { parseCurveCsv } from "../io/curve.ts";
import { stoppingEpoch } from "../models/early_stop.ts";

/** A bench's epoch time of one model. */
interface EpochCost {
  perEpoch: number;
  source: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The model a training stage trains (`amr-tuned`, `vbpr-continued`, `vbpr-continued-tuned`,
 * `duif-from-mf` train `amr`, `vbpr`, `vbpr`, `duif`; a halving rung's `-first-rung` and
 * `-next-rung` variants train their base stage's model).
 */
export function modelOf(stage: string): string {
  return stage.replace(/-(first|next)-rung$/, "").replace(/-tuned$/, "").replace(/-continued$/, "")
    .replace(/-from-mf$/, "");
}

/** Manifests of the store descending from one of the target's roots. */
async function sameDataset(target: Target, store: Store): Promise<Manifest[]> {
  const roots = target.nodes.filter((n) => Object.keys(n.inputs).length === 0);
  const rootSig = new Set(roots.map((n) => `${n.stage.name}\0${canonicalJson(n.params ?? {})}`));
  const all = new Map<string, Manifest>();
  for (const key of await store.keys()) {
    // Best effort: a corrupt entry (`verify` reports it) only loses its timings here.
    const m = await store.readManifest(key).catch(() => null);
    if (m) all.set(key, m);
  }
  const memo = new Map<string, boolean>();
  const ours = (key: string): boolean => {
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    memo.set(key, false); // cycles cannot happen; this only guards the recursion
    const m = all.get(key);
    let v = false;
    if (m) {
      const ins = Object.values(m.inputs);
      v = ins.length === 0
        ? rootSig.has(`${m.stage}\0${canonicalJson(m.params ?? {})}`)
        : ins.some((i) => ours(i.key));
    }
    memo.set(key, v);
    return v;
  };
  return [...all.values()].filter((m) => ours(m.key));
}

/** What the bench files say about the scale nearest a dataset (1 thread). */
interface BenchCosts {
  /** Per-epoch seconds by model label. */
  epochs: Map<string, EpochCost>;
  /** Seconds of one full evaluation (every user, 1,000 candidates), or null. */
  evaluation: { seconds: number; source: string } | null;
  /**
   * By model label, a fused point's epoch over the same epoch alone (`fusedEpochS` over
   * `epochS` of the same children): what sharing the draw and the feature gathers saves.
   */
  fusedRatio: Map<string, EpochCost>;
}

interface BenchChild {
  scale: string;
  threads: number;
  /** Absent in files from before `--backend`: wasm. */
  backend?: string;
  epochS: Record<string, number[]>;
  evalS?: number[];
  fusedEpochS?: Record<string, number[]>;
  fusedPoints?: number;
}

/**
 * Costs from the bench files: the scale nearest `items` among every file's 1-thread children,
 * then the latest file that timed that scale (a `--scale amazon` bench does not hide an earlier
 * Pinterest one).
 */
async function benchCosts(artifactsRoot: string, items: number | null): Promise<BenchCosts> {
  const out: BenchCosts = { epochs: new Map(), evaluation: null, fusedRatio: new Map() };
  const dir = join(artifactsRoot, "bench");
  let files: string[] = [];
  try {
    files = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name)
      .filter((n) => n.endsWith(".json")).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return out; // no bench run yet
    throw e;
  }
  if (items === null) return out;
  const byScale = new Map<string, { file: string; children: BenchChild[] }>();
  for (const file of files) {
    const bench = JSON.parse(await Deno.readTextFile(join(dir, file))) as {
      children?: BenchChild[];
    };
    // WASM children only: a `--backend webgpu` bench times another machine part.
    const ones = (bench.children ?? []).filter((c) =>
      c.threads === 1 && (c.backend ?? "wasm") === "wasm"
    );
    for (const scale of new Set(ones.map((c) => c.scale))) {
      if (!(scale in SCALES)) continue;
      byScale.set(scale, { file, children: ones.filter((c) => c.scale === scale) });
    }
  }
  const distance = (scale: string) =>
    Math.abs(Math.log(SCALES[scale as keyof typeof SCALES].items / items));
  const best = [...byScale.keys()].sort((a, b) => distance(a) - distance(b))[0];
  if (best === undefined) return out;
  const { file, children } = byScale.get(best)!;
  const source = `bench ${file.replace(/\.json$/, "")}, ${best} scale, 1 thread`;
  const labels = new Set(children.flatMap((c) => Object.keys(c.epochS)));
  for (const label of labels) {
    const xs = children.flatMap((c) => c.epochS[label] ?? []);
    if (xs.length) out.epochs.set(label, { perEpoch: median(xs), source });
  }
  const evals = children.flatMap((c) => c.evalS ?? []);
  if (evals.length) out.evaluation = { seconds: median(evals), source };
  for (const label of labels) {
    const fused = children.flatMap((c) => c.fusedEpochS?.[label] ?? []);
    const alone = out.epochs.get(label);
    if (fused.length === 0 || !alone) continue;
    const points = children.find((c) => c.fusedEpochS?.[label])?.fusedPoints;
    out.fusedRatio.set(label, {
      perEpoch: median(fused) / alone.perEpoch,
      source: `${source}, fused group of ${points ?? "?"}`,
    });
  }
  return out;
}

/** An earlier run's validation (or test) curve, for pricing early stopping. */
interface EarlierCurve {
  /** Its learning rates (canonical JSON), to prefer runs of the same grid point. */
  lr: string;
  /** Its evaluated epochs and NDCG@10, in order (the start first). */
  evaluations: { epoch: number; value: number }[];
}

/**
 * The curves of earlier training runs by model, read only where the target has a node with
 * `patience`; an output whose bytes do not match its manifest is skipped.
 */
async function earlierCurves(
  target: Target,
  store: Store,
  ours: readonly Manifest[],
): Promise<Map<string, EarlierCurve[]>> {
  const out = new Map<string, EarlierCurve[]>();
  if (
    !target.nodes.some((n) => typeof (n.params as { patience?: unknown })?.patience === "number")
  ) {
    return out;
  }
  for (const m of ours) {
    const s = m.summary ?? {};
    const rec = m.outputs["curve.csv"];
    if (typeof s.model !== "string" || !rec) continue;
    const path = store.outputPath(m.key, "curve.csv");
    const seen = await hashFile(path).catch(() => null);
    if (!seen || seen.sha256 !== rec.sha256) continue; // `verify` reports it; no price from it
    const rows = parseCurveCsv(await Deno.readTextFile(path), path);
    const evaluations = rows.filter((r) => r.ndcg10 !== null).map((r) => ({
      epoch: r.epoch,
      value: r.ndcg10!,
    }));
    const lr = canonicalJson((m.params as { lr?: unknown })?.lr ?? null);
    out.set(s.model, [...(out.get(s.model) ?? []), { lr, evaluations }]);
  }
  return out;
}

/**
 * The epoch a run planned for `epochs` epochs, evaluated every `evalEvery`, is expected to stop
 * at under `patience`: the median over `curves` of where each stopped (read at that cadence), a
 * curve that ends before stopping counting as `epochs`. Null without a usable curve.
 */
export function expectedStop(
  curves: readonly EarlierCurve[],
  plan: { epochs: number; evalEvery: number; patience: number },
): { epoch: number; runs: number } | null {
  const stops: number[] = [];
  for (const c of curves) {
    const at = c.evaluations.filter((e) =>
      e.epoch <= plan.epochs && (e.epoch % plan.evalEvery === 0 || e.epoch === plan.epochs)
    );
    // The curve must hold every evaluation the node would make up to the curve's end.
    const end = Math.min(c.evaluations.at(-1)?.epoch ?? 0, plan.epochs);
    const want = Math.floor(end / plan.evalEvery) + 1 +
      (end === plan.epochs && end % plan.evalEvery !== 0 ? 1 : 0);
    if (at.length === 0 || at[0].epoch !== 0 || at.length !== want) continue;
    const stop = stoppingEpoch(at, plan.patience);
    stops.push(stop.reason === "patience" ? stop.epoch : plan.epochs);
  }
  return stops.length ? { epoch: median(stops), runs: stops.length } : null;
}

/**
 * What one run of a model costs on this machine: `fixed + perEpoch x epochs trained + perEval x
 * evaluations made` seconds.
 */
export interface TrainPrice {
  fixed: number;
  perEpoch: number;
  perEval: number;
  source: string;
}

/** One earlier run of a model: its duration, the epochs it trained and its evaluations. */
export interface RunTiming {
  seconds: number;
  epochs: number;
  evaluations: number;
}

/**
 * Least-squares fit of `seconds = fixed + perEpoch x epochs + perEval x evaluations` over
 * earlier runs. When a coefficient comes out negative (evaluations too cheap to tell apart from
 * noise, say), that term is dropped (set to 0) and the rest refitted. Null with fewer than three
 * runs, a degenerate design (the runs alike in what is fitted) or no non-negative fit.
 */
export function fitTrainPrice(runs: readonly RunTiming[]): Omit<TrainPrice, "source"> | null {
  if (runs.length < 3) return null;
  const columns = (r: RunTiming) => [1, r.epochs, r.evaluations];
  for (const keep of [[0, 1, 2], [0, 1], [0, 2]]) {
    const n = keep.length;
    // Normal equations A'A b = A'y over the kept columns.
    const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const v = new Array<number>(n).fill(0);
    for (const r of runs) {
      const x = keep.map((k) => columns(r)[k]);
      for (let i = 0; i < n; i++) {
        v[i] += x[i] * r.seconds;
        for (let j = 0; j < n; j++) m[i][j] += x[i] * x[j];
      }
    }
    const b = solve(m, v);
    if (!b || b.some((c) => !(c >= 0))) continue;
    const full = [0, 0, 0];
    keep.forEach((k, i) => (full[k] = b[i]));
    return { fixed: full[0], perEpoch: full[1], perEval: full[2] };
  }
  return null;
}

/** Solves a small linear system by Gaussian elimination with partial pivoting; null if singular. */
function solve(a: number[][], y: number[]): number[] | null {
  const n = y.length;
  const m = a.map((row, i) => [...row, y[i]]);
  const scale = Math.max(...m.flat().map(Math.abs), 1);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-12 * scale) return null;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let t = m[r][n];
    for (let k = r + 1; k < n; k++) t -= m[r][k] * x[k];
    x[r] = t / m[r][r];
  }
  return x;
}

/**
 * Evaluations a run makes training from epoch `from` to `to` at cadence `evalEvery` (null: one,
 * eALS after its last sweep): every multiple of the cadence in (from, to], the last epoch, and
 * epoch 0 for a run from the start.
 */
export function evaluationsBetween(from: number, to: number, evalEvery: number | null): number {
  if (evalEvery === null || !(evalEvery > 0)) return 1;
  const multiples = Math.floor(to / evalEvery) - Math.floor(from / evalEvery);
  return multiples + (to % evalEvery === 0 ? 0 : 1) + (from === 0 ? 1 : 0);
}

function priceOf(p: TrainPrice, epochs: number, evaluations: number): number {
  return p.fixed + p.perEpoch * epochs + p.perEval * evaluations;
}

function describe(p: TrainPrice): string {
  return `${p.fixed.toFixed(1)} s + ${(p.perEpoch * 1000).toFixed(1)} ms/epoch + ` +
    `${p.perEval.toFixed(2)} s/evaluation, ${p.source}`;
}

/** What the cost model reads of a halving rung node's `rung` param (stages/lib/bpr_stage.ts). */
interface RungParams {
  from: number;
  points: number;
  continuing: number;
}

function isRung(v: unknown): v is RungParams {
  const r = v as Partial<RungParams> | null;
  return typeof r === "object" && r !== null && typeof r.from === "number" &&
    typeof r.points === "number" && typeof r.continuing === "number";
}

/**
 * A halving rung node (plan/halving.ts): bound, training from its rung's start `from` to
 * `epochs`; expected, that for the share of the level's points that continue in this rung and a
 * pass-through (set-up only: it copies the previous rung's results) for the others. With an
 * expected early stop (`stop`, the node's patience read on earlier curves), a continuing point
 * trains only up to it, and passes through when it is expected to have stopped before `from`.
 */
export function rungCost(
  rung: RungParams,
  plan: { epochs: number; evalEvery: number | null; stop?: { epoch: number; source: string } },
  price: TrainPrice,
): NodeCost {
  const trainedTo = (end: number) =>
    priceOf(
      price,
      Math.max(0, end - rung.from),
      evaluationsBetween(rung.from, end, plan.evalEvery),
    );
  const seconds = trainedTo(plan.epochs);
  const share = Math.min(1, rung.continuing / rung.points);
  const pass = Math.min(seconds, priceOf(price, 0, 0));
  const stop = plan.stop?.epoch;
  const continuing = stop === undefined || stop >= plan.epochs
    ? seconds
    : stop <= rung.from
    ? pass
    : trainedTo(stop);
  return {
    seconds,
    expected: share * continuing + (1 - share) * pass,
    source: `${describe(price)}; halving rung: epochs ${rung.from}-${plan.epochs}, ` +
      `${rung.continuing} of ${rung.points} points train` +
      (plan.stop ? `; ${plan.stop.source}` : ""),
  };
}

/**
 * The timings of earlier training runs by model (`fused`: only the runs made in a fused job, else
 * only the others).
 */
function trainTimings(ours: readonly Manifest[], fused: boolean): Map<string, RunTiming[]> {
  const out = new Map<string, RunTiming[]>();
  for (const m of ours) {
    if ((m.fused !== undefined) !== fused) continue;
    const s = m.summary ?? {};
    if (typeof s.meanEpochMs !== "number" || typeof s.epochs !== "number") continue;
    const model = typeof s.model === "string" ? s.model : modelOf(m.stage);
    const params = (m.params ?? {}) as { evalEvery?: unknown; rung?: unknown };
    const epochs = typeof s.epochsRun === "number" ? s.epochsRun : s.epochs;
    // Runs from before `evaluations` was recorded: a pass-through made one (it evaluated then),
    // a rung those from its start, any other run every evaluation from epoch 0.
    const from = isRung(params.rung) ? params.rung.from : 0;
    const evalEvery = typeof params.evalEvery === "number" ? params.evalEvery : null;
    const evaluations = typeof s.evaluations === "number"
      ? s.evaluations
      : epochs === 0
      ? 1
      : evaluationsBetween(from, s.epochs, evalEvery);
    // A fused run's duration is an equal share of its job; its own training time (epochs,
    // evaluations, checkpoints: `seconds`) is what its epochs and evaluations cost.
    const seconds = m.fused && typeof s.seconds === "number" ? s.seconds : m.durationMs / 1000;
    const runs = out.get(model) ?? [];
    runs.push({ seconds, epochs, evaluations });
    out.set(model, runs);
  }
  return out;
}

/**
 * A model's price from its earlier runs: the least-squares fit when the runs separate set-up,
 * epochs and evaluations; else the median epoch time of the runs that trained (their
 * `meanEpochMs`) with the median of the rest of their duration as a fixed cost.
 */
function measuredPrice(
  runs: readonly RunTiming[],
  meanEpoch: readonly number[],
): TrainPrice | null {
  const fit = fitTrainPrice(runs);
  if (fit) return { ...fit, source: `fit over ${runs.length} earlier runs` };
  const trained = runs.filter((r) => r.epochs > 0);
  if (trained.length === 0 || meanEpoch.length === 0) return null;
  const perEpoch = median([...meanEpoch]);
  return {
    fixed: median(trained.map((r) => Math.max(0, r.seconds - r.epochs * perEpoch))),
    perEpoch,
    perEval: 0,
    source: `earlier runs (${trained.length})`,
  };
}

/** Builds the cost model of a target from the store and the latest bench. */
export async function costModel(
  target: Target,
  store: Store,
  opts: { artifactsRoot: string; items: number | null },
): Promise<CostModel> {
  const ours = await sameDataset(target, store);
  const durations = new Map<string, number[]>();
  for (const m of ours) {
    const s = m.summary ?? {};
    if (typeof s.meanEpochMs !== "number" || typeof s.epochs !== "number") {
      durations.set(m.stage, [...(durations.get(m.stage) ?? []), m.durationMs / 1000]);
    }
  }
  // Runs trained alone and runs trained in fused jobs are priced apart: a fused point's epoch
  // shares the draw and the feature gathers with the other points.
  const measuredOf = (fused: boolean): Map<string, TrainPrice> => {
    const meanEpoch = new Map<string, number[]>();
    for (const m of ours) {
      const s = m.summary ?? {};
      if ((m.fused !== undefined) !== fused || typeof s.meanEpochMs !== "number") continue;
      // A halving rung that passed its results through trained no epoch.
      if (typeof s.epochs !== "number" || s.epochsRun === 0) continue;
      const model = typeof s.model === "string" ? s.model : modelOf(m.stage);
      meanEpoch.set(model, [...(meanEpoch.get(model) ?? []), s.meanEpochMs / 1000]);
    }
    const out = new Map<string, TrainPrice>();
    for (const [model, runs] of trainTimings(ours, fused)) {
      const price = measuredPrice(runs, meanEpoch.get(model) ?? []);
      if (price) out.set(model, { ...price, source: `${price.source}${fused ? ", fused" : ""}` });
    }
    return out;
  };
  const alone = measuredOf(false);
  const fusedRuns = measuredOf(true);
  const bench = await benchCosts(opts.artifactsRoot, opts.items);
  const benchPrice = (model: string): TrainPrice | undefined => {
    const e = bench.epochs.get(model);
    if (!e) return undefined;
    return {
      fixed: 0,
      perEpoch: e.perEpoch,
      perEval: bench.evaluation?.seconds ?? 0,
      source: e.source,
    };
  };
  const curves = await earlierCurves(target, store, ours);
  /**
   * A node alone: earlier runs alone, else earlier fused runs with their epochs divided by the
   * bench's fused/alone ratio, else the bench.
   */
  const alonePrice = (model: string): TrainPrice | undefined => {
    const own = alone.get(model);
    if (own) return own;
    const fused = fusedRuns.get(model);
    const r = bench.fusedRatio.get(model);
    if (fused && r) {
      return {
        ...fused,
        perEpoch: fused.perEpoch / r.perEpoch,
        source: `${fused.source}; epochs / ${r.perEpoch.toFixed(2)} alone (${r.source})`,
      };
    }
    return fused ?? benchPrice(model);
  };
  /**
   * A point of a fused group of `group`: its set-up is shared; its epochs are those of earlier
   * fused runs, else those alone scaled by the bench's fused/alone ratio (1 without one).
   */
  const fusedPrice = (model: string, group: number): TrainPrice | undefined => {
    let own = fusedRuns.get(model);
    if (!own) {
      const base = alone.get(model) ?? benchPrice(model);
      const r = bench.fusedRatio.get(model);
      own = base && r
        ? {
          ...base,
          perEpoch: base.perEpoch * r.perEpoch,
          source: `${base.source}; epochs x ${r.perEpoch.toFixed(2)} fused (${r.source})`,
        }
        : base;
    }
    return own && {
      ...own,
      fixed: own.fixed / group,
      source: `${own.source}; set-up shared by ${group} fused points`,
    };
  };
  // Fused groups (grid levels): their points share one job's set-up.
  const groupSize = new Map<string, number>();
  for (const n of target.nodes) {
    if (n.fuse !== undefined) groupSize.set(n.fuse, (groupSize.get(n.fuse) ?? 0) + 1);
  }

  return (node: GraphNode): NodeCost => {
    const p = (node.params ?? {}) as {
      epochs?: unknown;
      iterations?: unknown;
      evalEvery?: unknown;
      patience?: unknown;
      lr?: unknown;
      rung?: unknown;
    };
    const model = modelOf(node.stage.name);
    const group = node.fuse === undefined ? 1 : groupSize.get(node.fuse) ?? 1;
    const price = group > 1 ? fusedPrice(model, group) : alonePrice(model);
    // eALS counts sweeps (`iterations`) and is evaluated once, after the last.
    const epochs = typeof p.epochs === "number"
      ? p.epochs
      : typeof p.iterations === "number"
      ? p.iterations
      : null;
    if (epochs !== null && price) {
      const evalEvery = typeof p.evalEvery === "number" ? p.evalEvery : null;
      // Early stopping expected from earlier curves: at this lr first, else any of the model.
      const expectStop = (): { epoch: number; source: string } | null => {
        if (typeof p.patience !== "number" || evalEvery === null) return null;
        const all = curves.get(model) ?? [];
        const lr = canonicalJson(p.lr ?? null);
        const plan = { epochs, evalEvery, patience: p.patience };
        const atLr = expectedStop(all.filter((c) => c.lr === lr), plan);
        const stop = atLr ?? expectedStop(all, plan);
        if (!stop) return null;
        return {
          epoch: stop.epoch,
          source: `expected stop: median of ${stop.runs} earlier curve${
            stop.runs === 1 ? "" : "s"
          }${atLr ? " at this lr" : ` of ${model}`}`,
        };
      };
      const stop = expectStop();
      if (isRung(p.rung)) {
        return rungCost(p.rung, { epochs, evalEvery, ...(stop ? { stop } : {}) }, price);
      }
      const bound = {
        seconds: priceOf(price, epochs, evaluationsBetween(0, epochs, evalEvery)),
        source: describe(price),
      };
      if (typeof p.patience !== "number" || evalEvery === null) return bound;
      if (!stop) return { ...bound, source: `${bound.source}; no earlier curve to expect a stop` };
      return {
        ...bound,
        expected: priceOf(price, stop.epoch, evaluationsBetween(0, stop.epoch, evalEvery)),
        source: `${bound.source}; ${stop.source}`,
      };
    }
    const d = durations.get(node.stage.name);
    if (d?.length) return { seconds: median(d), source: `earlier runs (${d.length})` };
    if (node.stage.name === "evaluate" && bench.evaluation) {
      return {
        seconds: bench.evaluation.seconds,
        source: `one full evaluation, ${bench.evaluation.source}`,
      };
    }
    return { seconds: null, source: "no measurement" };
  };
}
