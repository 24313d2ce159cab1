/**
 * Executes one stage run, or a fused group of one stage's runs, either in this process or in a
 * Web Worker (for `--jobs N`).
 */
import type { Stage, StageContext } from "../stage/stage.ts";
import type { Progress, ProgressInfo } from "../stage/progress.ts";
import { Rng } from "../stage/rng.ts";
import type { Manifest } from "../stage/manifest.ts";
import { type CheckpointSpec, FileCheckpointer } from "../stage/checkpoint.ts";

/** What a run needs, in a form that can cross to a Worker. */
export interface ExecRequest {
  /** Module URL of the stage and the name of its export. */
  moduleUrl: string;
  exportName: string;
  nodeId: string;
  params: unknown;
  inputs: Record<string, string>;
  outDir: string;
  seed: number;
  /** Where and when this node key's checkpoints are written. */
  checkpoint: CheckpointSpec;
  /** Manifests of the inputs' producing entries (stages with `inputManifests: true`). */
  inputManifests?: Record<string, Manifest>;
  /**
   * Environment set in a Worker before the stage loads (e.g. its thread count). The process
   * environment is shared by all Workers, so only values that cannot change results belong
   * here: a race between two Workers may cost speed, never correctness.
   */
  env?: Record<string, string>;
}

/** Side channels of a run. */
export interface ExecHooks {
  progress: Progress;
  log: (message: string) => void;
  signal: AbortSignal;
}

/** What a Worker is asked to run: one node, or a fused group of one stage's nodes. */
export type WorkerRequest = { one: ExecRequest } | { group: ExecRequest[] };

/** Messages a Worker sends back (`node`: the index of the group member it is about). */
export type WorkerMessage =
  | { type: "start"; node: number; total: number; label: string }
  | { type: "update"; node: number; done: number; info?: ProgressInfo }
  | { type: "stop"; node: number }
  | { type: "log"; node: number; message: string }
  | { type: "done"; summaries: (Record<string, unknown> | null)[] }
  | { type: "error"; message: string; stack?: string };

/** Freezes an object graph in place (manifests handed to a stage are read-only). */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x);
  }
  return v;
}

/** Finds the export name under which a module exports `stage`; null when it does not. */
export async function exportNameOf(stage: Stage): Promise<string | null> {
  const mod = await import(stage.module) as Record<string, unknown>;
  return Object.keys(mod).find((k) => mod[k] === stage) ?? null;
}

/** The context a stage's run receives for one request. */
function stageContext(
  req: ExecRequest,
  hooks: ExecHooks,
): StageContext<unknown> {
  return {
    params: req.params,
    inputs: req.inputs,
    outDir: req.outDir,
    rng: new Rng(req.seed),
    progress: hooks.progress,
    signal: hooks.signal,
    log: hooks.log,
    checkpoint: new FileCheckpointer(req.checkpoint, hooks.log),
    ...(req.inputManifests ? { inputManifests: deepFreeze(req.inputManifests) } : {}),
  };
}

/**
 * Runs one stage request in this process, or a fused group of them through the stage's
 * `runGroup` (one context per request, `hooks` in the same order); returns the summaries in
 * order. A Worker runs its requests through this too.
 */
export async function executeHere(
  stage: Stage,
  reqs: readonly ExecRequest[],
  hooks: readonly ExecHooks[],
): Promise<(Record<string, unknown> | null)[]> {
  const ctxs = reqs.map((r, i) => stageContext(r, hooks[i]));
  if (ctxs.length === 1) return [(await stage.run(ctxs[0])) ?? null];
  if (!stage.runGroup) throw new Error(`stage ${stage.name} cannot run a fused group`);
  const out = await stage.runGroup(ctxs);
  if (out.length !== ctxs.length) {
    throw new Error(
      `stage ${stage.name}: runGroup returned ${out.length} results for ${ctxs.length}`,
    );
  }
  return out.map((s) => s ?? null);
}

/** Runs one stage request, or a fused group of them, in a dedicated Worker; terminates it on abort. */
export function executeInWorker(
  reqs: readonly ExecRequest[],
  hooks: readonly ExecHooks[],
): Promise<(Record<string, unknown> | null)[]> {
  const signal = hooks[0].signal;
  if (signal.aborted) {
    return Promise.reject(signal.reason ?? new Error("aborted"));
  }
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      worker.terminate();
      reject(signal.reason ?? new Error("aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const finish = () => {
      signal.removeEventListener("abort", onAbort);
      worker.terminate();
    };
    worker.onmessage = (ev: MessageEvent<WorkerMessage>) => {
      const m = ev.data;
      switch (m.type) {
        case "start":
          return hooks[m.node].progress.start(m.total, m.label);
        case "update":
          return hooks[m.node].progress.update(m.done, m.info);
        case "stop":
          return hooks[m.node].progress.stop();
        case "log":
          return hooks[m.node].log(m.message);
        case "done":
          finish();
          return resolve(m.summaries);
        case "error": {
          finish();
          const err = new Error(m.message);
          if (m.stack) err.stack = m.stack;
          return reject(err);
        }
      }
    };
    worker.onerror = (ev) => {
      ev.preventDefault();
      finish();
      reject(new Error(`worker for ${reqs.map((r) => r.nodeId).join(", ")} failed: ${ev.message}`));
    };
    const msg: WorkerRequest = reqs.length === 1 ? { one: reqs[0] } : { group: [...reqs] };
    worker.postMessage(msg);
  });
}
