/**
 * The AMR project's cost model for `reproduce --dry-run --estimate`, calibrated on this
 * machine, never typed in:
 *
 * - Training nodes (params with `epochs`, or eALS's `iterations`): `epochs x seconds per epoch +
 *   overhead`. The epoch
 *   cost of a model comes from earlier runs on the same dataset (the `meanEpochMs` of their
 *   manifests' summaries; overhead = the rest of their duration: set-up and evaluations), else
 *   from the `deno task bench` files (`artifacts/bench/*.json`): the 1-thread child of the bench
 *   scale closest to the dataset in items, from the latest file that timed that scale; the
 *   overhead is then the node's evaluations (at epoch 0, every `evalEvery` epochs and at the
 *   last, as stages/lib/bpr_stage.ts evaluates; eALS once) x the bench's full evaluation at that
 *   scale.
 * - Other nodes: the median duration of earlier runs of the same stage on the same dataset;
 *   without one, an `evaluate` node costs the bench's full evaluation.
 * - "Same dataset": the entry descends from a root entry (a node without inputs) whose stage
 *   and params equal one of the target's roots.
 * - Anything else is unknown, and the estimate says so.
 * - A training node with `patience` (early stopping, models/early_stop.ts) is priced twice:
 *   its planned epochs are the bound, and the expected price takes the median epoch at which
 *   earlier runs of the same model on the same dataset stopped, or would have stopped under
 *   that patience (their `curve.csv`, read at the node's evaluation cadence; runs with the
 *   node's learning rates first, then any of the model). A run that ended before stopping counts
 *   as running to the bound.
 */
import { join } from "node:path";
import {
  canonicalJson,
  type CostModel,
  type GraphNode,
  type Manifest,
  type NodeCost,
  type Store,
  type Target,
} from "../pipeline/mod.ts";
import { SCALES } from "../config/bench_scales.ts";
import { hashFile } from "../pipeline/stage/mod.ts";
import { parseCurveCsv } from "../io/curve.ts";
import { stoppingEpoch } from "../models/early_stop.ts";

/** Per-epoch figures of one model. */
interface EpochCost {
  perEpoch: number;
  overhead: number | null;
  source: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The model a training stage trains (`amr-tuned`, `vbpr-continued`, `vbpr-continued-tuned`,
 * `duif-from-mf` train `amr`, `vbpr`, `vbpr`, `duif`).
 */
export function modelOf(stage: string): string {
  return stage.replace(/-tuned$/, "").replace(/-continued$/, "").replace(/-from-mf$/, "");
}

/** Evaluations of a training run (epoch 0, every `evalEvery` epochs, the last epoch). */
export function evaluationsOf(epochs: number, evalEvery: number): number {
  if (!(evalEvery > 0)) return 1;
  return 1 + Math.floor(epochs / evalEvery) + (epochs % evalEvery === 0 ? 0 : 1);
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
}

interface BenchChild {
  scale: string;
  threads: number;
  /** Absent in files from before `--backend`: wasm. */
  backend?: string;
  epochS: Record<string, number[]>;
  evalS?: number[];
}

/**
 * Costs from the bench files: the scale nearest `items` among every file's 1-thread children,
 * then the latest file that timed that scale (a `--scale amazon` bench does not hide an earlier
 * Pinterest one).
 */
async function benchCosts(artifactsRoot: string, items: number | null): Promise<BenchCosts> {
  const out: BenchCosts = { epochs: new Map(), evaluation: null };
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
    if (xs.length) out.epochs.set(label, { perEpoch: median(xs), overhead: null, source });
  }
  const evals = children.flatMap((c) => c.evalS ?? []);
  if (evals.length) out.evaluation = { seconds: median(evals), source };
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

/** Builds the cost model of a target from the store and the latest bench. */
export async function costModel(
  target: Target,
  store: Store,
  opts: { artifactsRoot: string; items: number | null },
): Promise<CostModel> {
  const ours = await sameDataset(target, store);
  const epochs = new Map<string, { per: number[]; over: number[] }>();
  const durations = new Map<string, number[]>();
  for (const m of ours) {
    const s = m.summary ?? {};
    if (typeof s.meanEpochMs === "number" && typeof s.epochs === "number" && s.epochs > 0) {
      const model = typeof s.model === "string" ? s.model : modelOf(m.stage);
      const g = epochs.get(model) ?? { per: [], over: [] };
      const per = s.meanEpochMs / 1000;
      // A run stopped early trained `epochsRun` of its `epochs`.
      const ran = typeof s.epochsRun === "number" ? s.epochsRun : s.epochs;
      g.per.push(per);
      g.over.push(Math.max(0, m.durationMs / 1000 - ran * per));
      epochs.set(model, g);
    } else {
      durations.set(m.stage, [...(durations.get(m.stage) ?? []), m.durationMs / 1000]);
    }
  }
  const measured = new Map<string, EpochCost>();
  for (const [model, g] of epochs) {
    measured.set(model, {
      perEpoch: median(g.per),
      overhead: median(g.over),
      source: `earlier runs (${g.per.length})`,
    });
  }
  const bench = await benchCosts(opts.artifactsRoot, opts.items);
  const curves = await earlierCurves(target, store, ours);

  return (node: GraphNode): NodeCost => {
    const p = (node.params ?? {}) as {
      epochs?: unknown;
      iterations?: unknown;
      evalEvery?: unknown;
      patience?: unknown;
      lr?: unknown;
    };
    const model = modelOf(node.stage.name);
    const e = measured.get(model) ?? bench.epochs.get(model);
    // eALS counts sweeps (`iterations`) and is evaluated once, after the last.
    const epochs = typeof p.epochs === "number"
      ? p.epochs
      : typeof p.iterations === "number"
      ? p.iterations
      : null;
    if (epochs !== null && e) {
      let overhead = e.overhead;
      let what = overhead !== null ? ` + ${overhead.toFixed(1)} s` : "";
      if (overhead === null && bench.evaluation) {
        const n = typeof p.evalEvery === "number" ? evaluationsOf(epochs, p.evalEvery) : 1;
        overhead = n * bench.evaluation.seconds;
        what = ` + ${n} evaluations x ${bench.evaluation.seconds.toFixed(2)} s`;
      }
      const bound = {
        seconds: epochs * e.perEpoch + (overhead ?? 0),
        source: `epochs x ${(e.perEpoch * 1000).toFixed(0)} ms/epoch${what}, ${e.source}`,
      };
      if (typeof p.patience !== "number" || typeof p.evalEvery !== "number") return bound;
      const all = curves.get(model) ?? [];
      const lr = canonicalJson(p.lr ?? null);
      const same = all.filter((c) => c.lr === lr);
      const plan = { epochs, evalEvery: p.evalEvery, patience: p.patience };
      const atLr = expectedStop(same, plan);
      const stop = atLr ?? expectedStop(all, plan);
      if (!stop) return { ...bound, source: `${bound.source}; no earlier curve to expect a stop` };
      // The overhead is mostly evaluations, which scale with the epochs trained.
      return {
        ...bound,
        expected: stop.epoch * e.perEpoch + (overhead ?? 0) * (stop.epoch / epochs),
        source: `${bound.source}; expected stop: median of ${stop.runs} earlier curve${
          stop.runs === 1 ? "" : "s"
        }${atLr ? " at this lr" : ` of ${model}`}`,
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
