/**
 * The AMR project's cost model for `reproduce --dry-run --estimate`, calibrated on this
 * machine, never typed in:
 *
 * - Training nodes (params with `epochs`): `epochs x seconds per epoch + overhead`. The epoch
 *   cost of a model comes from earlier runs on the same dataset (the `meanEpochMs` of their
 *   manifests' summaries; overhead = the rest of their duration: set-up and evaluations), else
 *   from the latest `deno task bench` (`artifacts/bench/*.json`, the 1-thread child of the
 *   bench scale closest to the dataset in items; no overhead known then).
 * - Other nodes: the median duration of earlier runs of the same stage on the same dataset.
 * - "Same dataset": the entry descends from a root entry (a node without inputs) whose stage
 *   and params equal one of the target's roots.
 * - Anything else is unknown, and the estimate says so.
 */
import { join } from "node:path";
import { canonicalJson } from "../pipeline/hash.ts";
import type { CostModel, NodeCost } from "../pipeline/estimate.ts";
import type { GraphNode } from "../pipeline/dag.ts";
import type { Manifest } from "../pipeline/manifest.ts";
import type { Target } from "../pipeline/project.ts";
import type { Store } from "../pipeline/store.ts";
import { SCALES } from "../config/bench_scales.ts";

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

/** The model a training stage trains (`amr-tuned`, `vbpr-continued` train `amr`, `vbpr`). */
export function modelOf(stage: string): string {
  return stage.replace(/-(tuned|continued)$/, "");
}

/** Manifests of the store descending from one of the target's roots. */
async function sameDataset(target: Target, store: Store): Promise<Manifest[]> {
  const roots = target.nodes.filter((n) => Object.keys(n.inputs).length === 0);
  const rootSig = new Set(roots.map((n) => `${n.stage.name}\0${canonicalJson(n.params ?? {})}`));
  const all = new Map<string, Manifest>();
  for (const key of await store.keys()) {
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

/** Epoch costs by model from the latest bench file, for the scale nearest `items`. */
async function benchEpochs(
  artifactsRoot: string,
  items: number | null,
): Promise<Map<string, EpochCost>> {
  const out = new Map<string, EpochCost>();
  const dir = join(artifactsRoot, "bench");
  let files: string[] = [];
  try {
    files = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name)
      .filter((n) => n.endsWith(".json")).sort();
  } catch {
    return out;
  }
  const latest = files.at(-1);
  if (!latest || items === null) return out;
  const bench = JSON.parse(await Deno.readTextFile(join(dir, latest))) as {
    children?: { scale: string; threads: number; epochS: Record<string, number[]> }[];
    scales?: Record<string, { items: number }>;
  };
  const children = (bench.children ?? []).filter((c) => c.threads === 1);
  let best: string | null = null;
  for (const c of children) {
    const s = SCALES[c.scale as keyof typeof SCALES];
    if (!s) continue;
    const d = Math.abs(Math.log(s.items / items));
    const b = best ? SCALES[best as keyof typeof SCALES] : null;
    if (!b || d < Math.abs(Math.log(b.items / items))) best = c.scale;
  }
  const child = children.find((c) => c.scale === best);
  for (const [label, xs] of Object.entries(child?.epochS ?? {})) {
    if (xs.length === 0) continue;
    out.set(label, {
      perEpoch: median(xs),
      overhead: null,
      source: `bench ${latest.replace(/\.json$/, "")}, ${best} scale, 1 thread`,
    });
  }
  return out;
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
      g.per.push(per);
      g.over.push(Math.max(0, m.durationMs / 1000 - s.epochs * per));
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
  const bench = await benchEpochs(opts.artifactsRoot, opts.items);

  return (node: GraphNode): NodeCost => {
    const p = (node.params ?? {}) as { epochs?: unknown };
    const model = modelOf(node.stage.name);
    const e = measured.get(model) ?? bench.get(model);
    if (typeof p.epochs === "number" && e) {
      return {
        seconds: p.epochs * e.perEpoch + (e.overhead ?? 0),
        source: `epochs x ${(e.perEpoch * 1000).toFixed(0)} ms/epoch${
          e.overhead !== null ? ` + ${e.overhead.toFixed(1)} s` : ""
        }, ${e.source}`,
      };
    }
    const d = durations.get(node.stage.name);
    if (d?.length) return { seconds: median(d), source: `earlier runs (${d.length})` };
    return { seconds: null, source: "no measurement" };
  };
}
