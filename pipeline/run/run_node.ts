/**
 * Runs exactly one pending node (or a fused group of one stage's pending nodes) and commits each
 * entry atomically: the one path every executor takes (in-process, local Workers, and
 * `run-node <key>` inside a cluster job).
 *
 * Before running, the node's key is recomputed from the code this process sees, the input
 * entries in the store and this machine's runtime facts; if it differs from the pending
 * record's key (someone edited the checkout mid-run, or the job landed on another runtime),
 * the run is refused with what changed.
 */
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CodeHasher } from "../graph/code_hash.ts";
import type { GraphNode } from "../graph/graph.ts";
import { type ExecRequest, executeHere, executeInWorker } from "./execute.ts";
import { hashFile } from "../stage/hash.ts";
import { policyFromEnv } from "../stage/checkpoint.ts";
import { checkFile, CorruptInput, rememberEntry } from "../store/file_check.ts";
import { nodeKey, type RuntimeFacts } from "../graph/keys.ts";
import type { Manifest } from "../stage/manifest.ts";
import { type PendingRecord, readPending, removePending } from "./pending.ts";
import type { Progress } from "../stage/progress.ts";
import type { Stage } from "../stage/stage.ts";
import { diffModules, diffValues } from "../graph/status.ts";
import type { Store } from "../store/store.ts";
import { listFiles } from "../store/list_files.ts";

/** What running a pending node needs. */
export interface RunNodeContext {
  store: Store;
  hasher: CodeHasher;
  runtime: RuntimeFacts;
  /** Run the stage body in a Worker (local `--jobs N`) instead of this thread. */
  inWorker?: boolean;
  signal?: AbortSignal;
  log: (line: string) => void;
  progress: (nodeId: string, parallel: boolean) => Progress;
  lockTimeoutMs?: number;
  /** Why the node runs (for the log line). */
  reason?: string;
  /** Environment of the Worker (with `inWorker`), e.g. its thread count. */
  env?: Record<string, string>;
  /**
   * The stage object when the caller already holds it (the in-process executor; it may be
   * one no module exports). Otherwise the record's module and export name are resolved.
   */
  stage?: Stage;
}

/** The result of {@link runPendingNode}. */
export interface RunNodeResult {
  manifest: Manifest;
  /** False when another process committed the entry first (nothing ran here). */
  ran: boolean;
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

/** Raised when the pending record's key differs from the key this process computes. */
export class KeyMismatchError extends Error {
  override name = "KeyMismatchError";
}

/** A pending node opened to run: its entry locked, its temporary output folder made. */
interface OpenNode {
  key: string;
  record: PendingRecord;
  node: GraphNode;
  stage: Stage;
  nk: NonNullable<Awaited<ReturnType<typeof nodeKey>>>;
  lock: Awaited<ReturnType<Store["lock"]>>;
  tmp: string;
  req: ExecRequest;
  started: number;
  startedAt: string;
}

/**
 * Opens the pending node `key`: its result when its entry exists (committed by another
 * process), else the node locked, its key recomputed and checked, its inputs verified and its
 * temporary folder made.
 */
async function openNode(
  key: string,
  ctx: RunNodeContext,
  verified: Set<string> = new Set(),
): Promise<{ result: RunNodeResult } | { open: OpenNode }> {
  const started = performance.now();
  // Another process may have committed this key and removed the (shared) pending record
  // between our writing it and reading it here: its entry is then the result.
  const done = await ctx.store.readManifest(key);
  if (done) return { result: { manifest: done, ran: false, seconds: 0 } };
  const record = await readPending(ctx.store, key).catch(async (e) => {
    const won = await ctx.store.readManifest(key);
    if (won) return null;
    throw e;
  });
  if (!record) {
    return { result: { manifest: (await ctx.store.readManifest(key))!, ran: false, seconds: 0 } };
  }
  const { node, stage, exportName } = await resolveNode(record, ctx);
  const upstream = await upstreamManifests(record, ctx.store);
  const nk = await nodeKey(node, upstream, ctx);
  if (!nk) throw new Error(`node ${record.node}: an input entry is missing`);
  if (nk.key !== key) throw new KeyMismatchError(explainMismatch(record, nk, key));

  const lock = await ctx.store.lock(key, { timeoutMs: ctx.lockTimeoutMs, signal: ctx.signal });
  let tmp: string | null = null;
  try {
    const won = await ctx.store.readManifest(key);
    if (won) {
      await removePending(ctx.store, key);
      await lock.release();
      return { result: { manifest: won, ran: false, seconds: 0 } };
    }
    await verifyInputs(record, upstream, ctx.store, verified);
    tmp = await ctx.store.makeTemp(key);
    const req: ExecRequest = {
      moduleUrl: stage.module,
      exportName: exportName ?? "",
      nodeId: node.id,
      params: record.params,
      inputs: Object.fromEntries(
        Object.entries(record.inputs).map((
          [name, rec],
        ) => [name, ctx.store.outputPath(rec.key, rec.output)]),
      ),
      outDir: tmp,
      seed: record.seed,
      checkpoint: { path: ctx.store.checkpointPath(key), key, policy: policyFromEnv() },
      ...(stage.inputManifests ? { inputManifests: await inputManifestsOf(record, ctx) } : {}),
      ...(ctx.env ? { env: ctx.env } : {}),
    };
    for (const out of stage.outputs) await Deno.mkdir(join(tmp, out, ".."), { recursive: true });
    return {
      open: {
        key,
        record,
        node,
        stage,
        nk,
        lock,
        tmp,
        req,
        started,
        startedAt: new Date().toISOString(),
      },
    };
  } catch (e) {
    if (tmp) await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await lock.release();
    throw e;
  }
}

/** Writes the manifest of an opened node that ran and commits its entry atomically. */
async function commitNode(
  open: OpenNode,
  summary: Record<string, unknown> | null,
  ctx: RunNodeContext,
  fused?: Manifest["fused"],
): Promise<RunNodeResult> {
  const { key, node, stage, record, nk, tmp } = open;
  const manifest: Manifest = {
    format: 1,
    key,
    node: node.id,
    stage: stage.name,
    params: record.params,
    seed: record.seed,
    inputs: nk.inputs,
    outputs: await hashOutputs(node, tmp),
    code: nk.code,
    runtime: nk.parts.runtime,
    startedAt: open.startedAt,
    durationMs: Math.round(fused ? fused.wallMs / fused.nodes : performance.now() - open.started),
    ...(fused ? { fused } : {}),
    ...(summary ? { summary } : {}),
  };
  await Deno.writeTextFile(join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  open.lock.lost.throwIfAborted();
  await ctx.store.commit(tmp, key);
  await ctx.store.removeCheckpoint(key);
  await rememberEntry(ctx.store, manifest);
  await removePending(ctx.store, key);
  const seconds = (performance.now() - open.started) / 1000;
  ctx.log(`[${node.id}] done in ${seconds.toFixed(1)} s`);
  return { manifest, ran: true, seconds };
}

/** Executes the pending node `key` unless its entry exists; commits the entry atomically. */
export async function runPendingNode(key: string, ctx: RunNodeContext): Promise<RunNodeResult> {
  return (await runPendingGroup([key], ctx))[0];
}

/**
 * Executes pending nodes of one stage as a fused group (`Stage.runGroup`) in one job, and
 * commits each node's entry under its own key; a node whose entry exists is not run. With one
 * node left this is {@link runPendingNode}. A failure fails every node of the group and commits
 * none of the ones not yet committed; each keeps its checkpoints for a rerun.
 */
export async function runPendingGroup(
  keys: readonly string[],
  ctx: RunNodeContext,
): Promise<RunNodeResult[]> {
  const results: RunNodeResult[] = new Array(keys.length);
  const opened: { index: number; open: OpenNode }[] = [];
  const verified = new Set<string>();
  try {
    for (const [index, key] of keys.entries()) {
      // The members of a group read the same inputs: each file is verified once.
      const r = await openNode(key, ctx, verified);
      if ("result" in r) results[index] = r.result;
      else opened.push({ index, open: r.open });
    }
    if (opened.length === 0) return results;
    const stage = opened[0].open.stage;
    const other = opened.find((o) => o.open.stage.name !== stage.name);
    if (other) {
      throw new Error(
        `fused group mixes stage ${stage.name} with ${other.open.stage.name} ` +
          `(node "${other.open.node.id}")`,
      );
    }
    const where = ctx.inWorker && ctx.env
      ? ` [Worker; ${Object.entries(ctx.env).map(([k, v]) => `${k}=${v}`).join(" ")}]`
      : "";
    const tag = opened.length > 1 ? ` [fused: ${opened.length} nodes in one job]` : "";
    for (const { open } of opened) {
      ctx.log(`[${open.node.id}] running${ctx.reason ? ` (${ctx.reason})` : ""}${where}${tag}`);
    }
    const summaries = await execute(
      stage,
      opened.map((o) => o.open.req),
      ctx,
      AbortSignal.any(opened.map((o) => o.open.lock.lost)),
    );
    const fused = opened.length > 1
      ? {
        nodes: opened.length,
        wallMs: Math.round(performance.now() - Math.min(...opened.map((o) => o.open.started))),
      }
      : undefined;
    for (const [j, { index, open }] of opened.entries()) {
      results[index] = await commitNode(open, summaries[j], ctx, fused);
    }
    return results;
  } finally {
    for (const { open } of opened) {
      await Deno.remove(open.tmp, { recursive: true }).catch(() => {});
      await open.lock.release();
    }
  }
}

/**
 * Checks every input file against its producing manifest (size and SHA-256) before the stage
 * reads it; a mismatching entry is quarantined and `CorruptInput` raised (the runner reruns
 * the producer and retries). Files already in `verified` (checked for another member of a fused
 * group) are not read again.
 */
async function verifyInputs(
  record: PendingRecord,
  upstream: Map<string, Manifest>,
  store: Store,
  verified: Set<string>,
): Promise<void> {
  for (const rec of Object.values(record.inputs)) {
    const id = `${rec.key}/${rec.output}/${rec.sha256}`;
    if (verified.has(id)) continue;
    const m = upstream.get(rec.node)!;
    const out = m.outputs[rec.output];
    const problem = out
      ? await checkFile(store.outputPath(rec.key, rec.output), {
        sha256: rec.sha256,
        size: out.size,
      })
      : { file: store.outputPath(rec.key, rec.output), problem: "missing" as const };
    if (problem) {
      const movedTo = await store.quarantine(rec.key, { reason: "input verification", problem });
      throw new CorruptInput(rec.key, rec.node, [problem], movedTo);
    }
    verified.add(id);
  }
}

async function execute(
  stage: Stage,
  reqs: ExecRequest[],
  ctx: RunNodeContext,
  lost: AbortSignal,
): Promise<(Record<string, unknown> | null)[]> {
  if (ctx.inWorker && !reqs[0].exportName) {
    throw new Error(`stage of node "${reqs[0].nodeId}" is not exported by ${reqs[0].moduleUrl}`);
  }
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, lost]) : lost;
  // An abort that came while the node was being set up has already fired: honour it here.
  signal.throwIfAborted();
  // The members of a fused group report side by side: plain lines, not bars.
  const parallel = (ctx.inWorker ?? false) || reqs.length > 1;
  const hooks = reqs.map((req) => ({
    progress: ctx.progress(req.nodeId, parallel),
    signal,
    log: (m: string) => ctx.log(`[${req.nodeId}] ${m}`),
  }));
  try {
    return ctx.inWorker
      ? await executeInWorker(reqs, hooks)
      : await executeHere(stage, reqs, hooks);
  } catch (e) {
    throw new StageError(reqs.map((r) => r.nodeId).join(", "), e);
  } finally {
    for (const h of hooks) h.progress.stop();
  }
}

/**
 * Finds the record's stage: its module must be part of the project's own code (the import
 * graph of the project's entry) and export, under the recorded name, a stage of that name.
 */
async function resolveNode(
  record: PendingRecord,
  ctx: RunNodeContext,
): Promise<{ node: GraphNode; stage: Stage; exportName: string | null }> {
  const where = `pending record ${record.key.slice(0, 12)} (node "${record.node}")`;
  const stage = ctx.stage ?? await importStage(record, ctx.hasher, where);
  if (stage.name !== record.stage) {
    throw new Error(`${where}: names stage "${record.stage}", the caller holds "${stage.name}"`);
  }
  const parsed = stage.params.safeParse(record.params);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${where}: params.${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  const declared = new Set(stage.inputs);
  const given = Object.keys(record.inputs);
  if (given.length !== declared.size || !given.every((n) => declared.has(n))) {
    throw new Error(
      `${where}: inputs ${given.join(", ") || "(none)"} do not match stage ${stage.name}'s ` +
        `${[...declared].join(", ") || "(none)"}`,
    );
  }
  const node: GraphNode = {
    id: record.node,
    stage,
    params: record.params,
    inputs: Object.fromEntries(
      Object.entries(record.inputs).map(([n, r]) => [n, { node: r.node, output: r.output }]),
    ),
    seed: record.seed,
    upstream: [...new Set(Object.values(record.inputs).map((r) => r.node))],
  };
  return { node, stage, exportName: record.export };
}

/** Imports the record's stage; only modules of the project's own code are accepted. */
async function importStage(
  record: PendingRecord,
  hasher: CodeHasher,
  where: string,
): Promise<Stage> {
  const url = record.module.startsWith("file:")
    ? record.module
    : pathToFileURL(join(hasher.root, record.module)).href;
  if (!hasher.isProjectModule(url)) {
    throw new Error(`${where}: module ${record.module} is not part of the project's code`);
  }
  if (record.export === null) {
    throw new Error(`${where}: stage "${record.stage}" is not exported by ${record.module}`);
  }
  const mod = await import(url) as Record<string, unknown>;
  const stage = mod[record.export];
  if (!isStage(stage) || stage.name !== record.stage || stage.module !== url) {
    throw new Error(
      `${where}: ${record.module} exports no stage "${record.stage}" as ${record.export}`,
    );
  }
  return stage;
}

function isStage(v: unknown): v is Stage {
  const s = v as Stage | undefined;
  return typeof s === "object" && s !== null && typeof s.name === "string" &&
    typeof s.run === "function" && typeof s.module === "string";
}

async function upstreamManifests(
  record: PendingRecord,
  store: Store,
): Promise<Map<string, Manifest>> {
  const out = new Map<string, Manifest>();
  for (const [name, rec] of Object.entries(record.inputs)) {
    const m = await store.readManifest(rec.key);
    if (!m) {
      throw new Error(
        `node "${record.node}": input "${name}" names entry ${
          rec.key.slice(0, 12)
        }, which is not in the store`,
      );
    }
    out.set(rec.node, m);
  }
  return out;
}

function explainMismatch(
  record: PendingRecord,
  nk: { key: string; code: PendingRecord["code"]; parts: { runtime: Record<string, string> } },
  key: string,
): string {
  const why: string[] = [];
  if (nk.code.hash !== record.code.hash) {
    why.push(
      `code changed: ${
        diffModules(record.code.modules, nk.code.modules, record.code.packages, nk.code.packages)
      }`,
    );
  }
  why.push(...diffValues("runtime", record.runtime, nk.parts.runtime));
  if (why.length === 0) why.push("its inputs' content differs from the record");
  return `refusing to run node "${record.node}": the pending record's key ${
    key.slice(0, 12)
  } differs from the key computed here, ${nk.key.slice(0, 12)}: ${why.join("; ")}`;
}

async function inputManifestsOf(
  record: PendingRecord,
  ctx: RunNodeContext,
): Promise<Record<string, Manifest>> {
  const out: Record<string, Manifest> = {};
  for (const [name, rec] of Object.entries(record.inputs)) {
    const m = await ctx.store.readManifest(rec.key);
    if (!m) throw new Error(`input "${name}": no manifest for entry ${rec.key}`);
    out[name] = m;
  }
  return out;
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

/** Repository-relative path of a stage module URL, or the URL itself outside the root. */
export function modulePath(root: string, moduleUrl: string): string {
  const rel = relative(root, fileURLToPath(moduleUrl));
  return rel.startsWith("..") || rel.startsWith("/") ? moduleUrl : rel;
}
