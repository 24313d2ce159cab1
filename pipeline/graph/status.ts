/**
 * `status`: for each node, fresh or stale, and why (code, params, seed, runtime or an input
 * changed), by comparing the key it would have now with the entry it last used.
 */
import { CodeHasher } from "./code_hash.ts";
import { buildGraph, closure, type Graph } from "./graph.ts";
import { canonicalJson, sha256 } from "../stage/hash.ts";
import { nodeKey, type RuntimeFacts } from "./keys.ts";
import type { Manifest } from "../stage/manifest.ts";
import type { Project, Target } from "./project.ts";
import type { RunState } from "../store/state.ts";
import { CorruptEntry, regularFileProblem } from "../store/entry.ts";
import { Store } from "../store/store.ts";

/** The status of one node. */
export interface NodeStatus {
  id: string;
  stage: string;
  state: "fresh" | "stale";
  /** Current key (null when an upstream node is stale, so its inputs are not known yet). */
  key: string | null;
  /** Human-readable reasons when stale. */
  reasons: string[];
}

/** Computes the status of every node of the graph. */
export async function graphStatus(
  graph: Graph,
  ctx: { store: Store; hasher: CodeHasher; runtime: RuntimeFacts; state: RunState },
): Promise<NodeStatus[]> {
  const manifests = new Map<string, Manifest>();
  const out: NodeStatus[] = [];
  const staleIds = new Set<string>();
  for (const node of graph.order) {
    const nk = await nodeKey(node, manifests, ctx);
    let current: Manifest | null = null;
    let corrupt: CorruptEntry | null = null;
    try {
      current = nk ? await ctx.store.readManifest(nk.key) : null;
    } catch (e) {
      if (!(e instanceof CorruptEntry)) throw e;
      corrupt = e;
    }
    if (nk && current) {
      manifests.set(node.id, current);
      out.push({ id: node.id, stage: node.stage.name, state: "fresh", key: nk.key, reasons: [] });
      continue;
    }
    staleIds.add(node.id);
    const prevKey = ctx.state.nodes[node.id];
    const prev = prevKey && prevKey !== corrupt?.key
      ? await ctx.store.readManifest(prevKey).catch((e) => {
        if (e instanceof CorruptEntry) return null;
        throw e;
      })
      : null;
    const reasons: string[] = [];
    if (corrupt) reasons.push(`${corrupt.message}; "reproduce" quarantines and rebuilds it`);
    else if (!prevKey) reasons.push("never run");
    else if (!prev) {
      reasons.push(`its last entry ${prevKey.slice(0, 12)} is no longer in the store`);
    } else {
      const code = await ctx.hasher.fingerprint(node.stage.module);
      if (code.hash !== prev.code.hash) {
        reasons.push(
          `code changed: ${
            diffModules(prev.code.modules, code.modules, prev.code.packages, code.packages)
          }`,
        );
      }
      reasons.push(...diffValues("params", prev.params, node.params));
      if (prev.seed !== node.seed) reasons.push(`seed changed: ${prev.seed} -> ${node.seed}`);
      if (nk) reasons.push(...diffValues("runtime", prev.runtime, nk.parts.runtime));
      for (const [name, ref] of Object.entries(node.inputs)) {
        if (staleIds.has(ref.node)) {
          reasons.push(`input "${name}": upstream "${ref.node}" is stale`);
        } else if (nk && prev.inputs[name]?.sha256 !== nk.inputs[name].sha256) {
          reasons.push(`input "${name}" changed (from "${ref.node}")`);
        }
      }
      if (reasons.length === 0) reasons.push("entry missing from the store");
    }
    out.push({
      id: node.id,
      stage: node.stage.name,
      state: "stale",
      key: nk?.key ?? null,
      reasons,
    });
  }
  return out;
}

/**
 * The store keys of those of `ids` whose entry for the graph as it is now exists (what
 * `reproduce` would reuse: the same code, params, seed, runtime and inputs, every ancestor's
 * entry present too); nodes without one are left out.
 */
export async function freshKeys(
  graph: Graph,
  ids: readonly string[],
  ctx: { store: Store; hasher: CodeHasher; runtime: RuntimeFacts },
): Promise<Map<string, string>> {
  const manifests = new Map<string, Manifest>();
  const wanted = new Set(ids);
  const out = new Map<string, string>();
  for (const node of closure(graph, [...wanted])) {
    const nk = await nodeKey(node, manifests, ctx);
    const entry = nk
      ? await ctx.store.readManifest(nk.key).catch((e) => {
        if (e instanceof CorruptEntry) return null;
        throw e;
      })
      : null;
    if (!entry) continue;
    manifests.set(node.id, entry);
    if (wanted.has(node.id)) out.set(node.id, entry.key);
  }
  return out;
}

/**
 * {@link freshKeys} for a project's target, with the project's store, code and runtime facts;
 * `ids` absent from the target's graph are left out.
 */
export async function targetFreshKeys(
  p: Project,
  target: Target,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const graph = buildGraph(target.nodes);
  const present = ids.filter((id) => graph.byId.has(id));
  if (present.length === 0) return new Map();
  return await freshKeys(graph, present, {
    store: new Store(p.artifactsRoot),
    hasher: await CodeHasher.load([p.entry], p.root),
    runtime: await p.runtime(),
  });
}

/** One output of a fresh entry, read and checked against its manifest. */
export interface FreshOutput {
  /** The entry's store key. */
  key: string;
  /** SHA-256 of the bytes read (equal to the manifest's record). */
  sha256: string;
  /** The output's bytes. */
  bytes: Uint8Array;
}

/**
 * Reads `output` of every node of `ids` that has a fresh entry for `target` ({@link
 * targetFreshKeys}), another target's included: the bytes are hashed as read and must match the
 * manifest's record, so a file edited in the store is an error naming it, never a value.
 * Nodes without a fresh entry, or whose stage has no such output, are left out.
 */
export async function readFreshOutputs(
  p: Project,
  target: Target,
  ids: readonly string[],
  output: string,
): Promise<Map<string, FreshOutput>> {
  const store = new Store(p.artifactsRoot);
  const out = new Map<string, FreshOutput>();
  for (const [id, key] of await targetFreshKeys(p, target, ids)) {
    const manifest = await store.readManifest(key);
    const rec = manifest?.outputs[output];
    if (!rec) continue;
    const path = store.outputPath(key, output);
    // Never through a link, and a file the manifest records but the entry lacks is corrupt too.
    const problem = await regularFileProblem(store.entryDir(key), output);
    if (problem) {
      throw new CorruptEntry(key, path, `${output}: ${problem}; run "verify --repair"`, "output");
    }
    const bytes = await Deno.readFile(path);
    const got = sha256(bytes);
    if (got !== rec.sha256 || bytes.length !== rec.size) {
      throw new CorruptEntry(
        key,
        path,
        `${output} does not match its manifest (sha256 ${got.slice(0, 12)}, expected ` +
          `${rec.sha256.slice(0, 12)}); run "verify --repair"`,
        "output",
      );
    }
    out.set(id, { key, sha256: got, bytes });
  }
  return out;
}

/** Names the modules and npm packages that differ between two code fingerprints. */
export function diffModules(
  before: Record<string, string>,
  after: Record<string, string>,
  pkgBefore: string[],
  pkgAfter: string[],
): string {
  const changed: string[] = [];
  for (const path of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!(path in before)) changed.push(`${path} (new import)`);
    else if (!(path in after)) changed.push(`${path} (no longer imported)`);
    else if (before[path] !== after[path]) changed.push(path);
  }
  const pb = new Set(pkgBefore);
  const pa = new Set(pkgAfter);
  for (const p of pkgAfter) if (!pb.has(p)) changed.push(`npm:${p}`);
  for (const p of pkgBefore) if (!pa.has(p)) changed.push(`npm:${p} (removed)`);
  return changed.join(", ") || "(module graph)";
}

/** Lists leaf fields that differ between two JSON values, as `label.path: a -> b`. */
export function diffValues(label: string, before: unknown, after: unknown): string[] {
  const out: string[] = [];
  function walk(path: string, a: unknown, b: unknown): void {
    if (canonicalJson(a ?? null) === canonicalJson(b ?? null)) return;
    if (isObject(a) && isObject(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        walk(`${path}.${k}`, a[k], b[k]);
      }
      return;
    }
    out.push(`${path} changed: ${short(a)} -> ${short(b)}`);
  }
  walk(label, before, after);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function short(v: unknown): string {
  const s = v === undefined ? "(unset)" : JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}
