/**
 * The runner: executes the nodes a target needs in dependency order, reusing cached entries,
 * running independent nodes in parallel Workers with `jobs > 1`.
 */
import { join } from "node:path";
import type { CodeHasher } from "./code_hash.ts";
import { closure, type Graph, type GraphNode } from "./dag.ts";
import { type ExecRequest, executeHere, executeInWorker, exportNameOf } from "./execute.ts";
import { hashFile } from "./hash.ts";
import { type NodeKey, nodeKey, type RuntimeFacts } from "./keys.ts";
import type { Manifest } from "./manifest.ts";
import { createProgress, type Progress } from "./progress.ts";
import type { Store } from "./store.ts";

/** Options of a run. */
export interface RunOptions {
  store: Store;
  hasher: CodeHasher;
  runtime: RuntimeFacts;
  /** Nodes run at once (default 1: in-process; more: one Worker each). */
  jobs?: number;
  /** `true` reruns every node; a list reruns the nodes with those ids or stage names. */
  force?: boolean | string[];
  /** Only report what would run. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Where engine messages go (default: stderr). */
  log?: (line: string) => void;
  /** Progress reporter factory (default: bar on a TTY, plain lines otherwise). */
  progress?: (nodeId: string, parallel: boolean) => Progress;
  /** How long to wait for another process's lock on an entry. */
  lockTimeoutMs?: number;
}

/** What happened to one node. */
export interface NodeOutcome {
  id: string;
  stage: string;
  status: "cached" | "ran" | "would-run";
  /** Null in a dry run when an upstream node would run first. */
  key: string | null;
  manifest: Manifest | null;
  /** Wall seconds spent on this node in this run (0 when cached). */
  seconds: number;
  /** Why it (would) run. */
  reason?: string;
}

/** The result of a run. */
export interface RunReport {
  outcomes: NodeOutcome[];
  seconds: number;
}

/** Raised when a node's stage fails; names the node. */
export class StageError extends Error {
  override name = "StageError";
  constructor(readonly nodeId: string, cause: unknown) {
    super(`stage "${nodeId}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/** Runs the nodes needed by `targets` (all nodes when null). */
export async function runGraph(
  graph: Graph,
  targets: string[] | null,
  opts: RunOptions,
): Promise<RunReport> {
  const t0 = performance.now();
  const nodes = targets ? closure(graph, targets) : graph.order;
  const jobs = Math.max(1, opts.jobs ?? 1);
  const log = opts.log ?? ((l: string) => console.error(l));
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const slots = new Semaphore(jobs);
  const results = new Map<string, Promise<NodeOutcome>>();

  const forced = (n: GraphNode) =>
    opts.force === true ||
    (Array.isArray(opts.force) && (opts.force.includes(n.id) || opts.force.includes(n.stage.name)));

  async function visit(node: GraphNode): Promise<NodeOutcome> {
    const ups = await Promise.all(node.upstream.map((u) => results.get(u)!));
    const manifests = new Map<string, Manifest>();
    for (const o of ups) if (o.manifest) manifests.set(o.id, o.manifest);
    const nk = await nodeKey(node, manifests, opts);
    if (!nk) {
      return {
        id: node.id,
        stage: node.stage.name,
        status: "would-run",
        key: null,
        manifest: null,
        seconds: 0,
        reason: "an upstream node will run first",
      };
    }
    const cached = forced(node) ? null : await opts.store.readManifest(nk.key);
    if (cached) {
      return {
        id: node.id,
        stage: node.stage.name,
        status: "cached",
        key: nk.key,
        manifest: cached,
        seconds: 0,
      };
    }
    const reason = forced(node) ? "forced" : "no cached entry for its key";
    if (opts.dryRun) {
      return {
        id: node.id,
        stage: node.stage.name,
        status: "would-run",
        key: nk.key,
        manifest: null,
        seconds: 0,
        reason,
      };
    }
    return await slots.use(() => produce(node, nk, reason));
  }

  async function produce(node: GraphNode, nk: NodeKey, reason: string): Promise<NodeOutcome> {
    abort.signal.throwIfAborted();
    const started = performance.now();
    const lock = await opts.store.lock(nk.key, { timeoutMs: opts.lockTimeoutMs });
    try {
      if (!forced(node)) {
        const won = await opts.store.readManifest(nk.key); // another process finished it
        if (won) {
          return {
            id: node.id,
            stage: node.stage.name,
            status: "cached",
            key: nk.key,
            manifest: won,
            seconds: 0,
          };
        }
      }
      const tmp = await opts.store.makeTemp(nk.key);
      try {
        log(`[${node.id}] running (${reason})`);
        const startedAt = new Date().toISOString();
        const summary = await runStage(node, nk, tmp, jobs > 1, abort.signal);
        const outputs = await hashOutputs(node, tmp);
        const manifest: Manifest = {
          format: 1,
          key: nk.key,
          node: node.id,
          stage: node.stage.name,
          params: node.params,
          seed: node.seed,
          inputs: nk.inputs,
          outputs,
          code: nk.code,
          runtime: nk.parts.runtime,
          startedAt,
          durationMs: Math.round(performance.now() - started),
          ...(summary ? { summary } : {}),
        };
        await Deno.writeTextFile(
          join(tmp, "manifest.json"),
          JSON.stringify(manifest, null, 2) + "\n",
        );
        if (forced(node)) await opts.store.remove(nk.key);
        await opts.store.commit(tmp, nk.key);
        const seconds = (performance.now() - started) / 1000;
        log(`[${node.id}] done in ${seconds.toFixed(1)} s`);
        return {
          id: node.id,
          stage: node.stage.name,
          status: "ran",
          key: nk.key,
          manifest,
          seconds,
          reason,
        };
      } catch (e) {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
        throw e;
      }
    } finally {
      await lock.release();
    }
  }

  async function runStage(
    node: GraphNode,
    nk: NodeKey,
    outDir: string,
    parallel: boolean,
    signal: AbortSignal,
  ): Promise<Record<string, unknown> | null> {
    const inputs: Record<string, string> = {};
    for (const [name, rec] of Object.entries(nk.inputs)) {
      inputs[name] = opts.store.outputPath(rec.key, rec.output);
    }
    for (const out of node.stage.outputs) {
      const dir = join(outDir, out, "..");
      await Deno.mkdir(dir, { recursive: true });
    }
    const progress = (opts.progress ?? defaultProgress)(node.id, parallel);
    const hooks = { progress, signal, log: (m: string) => log(`[${node.id}] ${m}`) };
    const req: ExecRequest = {
      moduleUrl: node.stage.module,
      exportName: parallel ? await exportNameOf(node.stage) : "",
      nodeId: node.id,
      params: node.params,
      inputs,
      outDir,
      seed: node.seed,
      ...(node.stage.inputManifests ? { inputManifests: await inputManifestsOf(nk) } : {}),
    };
    try {
      return parallel
        ? await executeInWorker(req, hooks)
        : await executeHere(node.stage, req, hooks);
    } catch (e) {
      throw new StageError(node.id, e);
    } finally {
      progress.stop();
    }
  }

  /** The manifest of each input's producing entry, by input name. */
  async function inputManifestsOf(nk: NodeKey): Promise<Record<string, Manifest>> {
    const out: Record<string, Manifest> = {};
    for (const [name, rec] of Object.entries(nk.inputs)) {
      const m = await opts.store.readManifest(rec.key);
      if (!m) throw new Error(`input "${name}": no manifest for entry ${rec.key}`);
      out[name] = m;
    }
    return out;
  }

  for (const node of nodes) {
    const p = visit(node);
    p.catch((e) => abort.abort(e));
    results.set(node.id, p);
  }
  try {
    const outcomes = await Promise.all(nodes.map((n) => results.get(n.id)!));
    return { outcomes, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    // Let in-flight nodes notice the abort and clean up before reporting the first failure.
    await Promise.allSettled([...results.values()]);
    throw e;
  } finally {
    opts.signal?.removeEventListener("abort", onOuterAbort);
  }
}

function defaultProgress(nodeId: string, parallel: boolean): Progress {
  return createProgress(nodeId, parallel ? { plain: true } : {});
}

async function hashOutputs(node: GraphNode, dir: string): Promise<Manifest["outputs"]> {
  const outputs: Manifest["outputs"] = {};
  for (const out of node.stage.outputs) {
    try {
      outputs[out] = await hashFile(join(dir, out));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new StageError(node.id, new Error(`declared output "${out}" was not written`));
      }
      throw e;
    }
  }
  const declared = new Set(node.stage.outputs);
  for (const file of await listFiles(dir)) {
    if (!declared.has(file)) {
      throw new StageError(
        node.id,
        new Error(`wrote undeclared file "${file}"; declare it in outputs`),
      );
    }
  }
  return outputs;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

/** A counting semaphore for `jobs`. */
class Semaphore {
  #free: number;
  #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
