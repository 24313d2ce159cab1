/**
 * Executes one stage run, either in this process or in a Web Worker (for `--jobs N`).
 */
import type { Stage } from "../stage/stage.ts";
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

/** Messages a Worker sends back. */
export type WorkerMessage =
  | { type: "start"; total: number; label: string }
  | { type: "update"; done: number; info?: ProgressInfo }
  | { type: "stop" }
  | { type: "log"; message: string }
  | { type: "done"; summary: Record<string, unknown> | null }
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

/** Runs the stage in this process. */
export async function executeHere(
  stage: Stage,
  req: ExecRequest,
  hooks: ExecHooks,
): Promise<Record<string, unknown> | null> {
  const summary = await stage.run({
    params: req.params,
    inputs: req.inputs,
    outDir: req.outDir,
    rng: new Rng(req.seed),
    progress: hooks.progress,
    signal: hooks.signal,
    log: hooks.log,
    checkpoint: new FileCheckpointer(req.checkpoint, hooks.log),
    ...(req.inputManifests ? { inputManifests: deepFreeze(req.inputManifests) } : {}),
  });
  return summary ?? null;
}

/** Runs the stage in a dedicated Worker; terminates it on abort. */
export function executeInWorker(
  req: ExecRequest,
  hooks: ExecHooks,
): Promise<Record<string, unknown> | null> {
  if (hooks.signal.aborted) {
    return Promise.reject(hooks.signal.reason ?? new Error("aborted"));
  }
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      worker.terminate();
      reject(hooks.signal.reason ?? new Error("aborted"));
    };
    hooks.signal.addEventListener("abort", onAbort, { once: true });
    const finish = () => {
      hooks.signal.removeEventListener("abort", onAbort);
      worker.terminate();
    };
    worker.onmessage = (ev: MessageEvent<WorkerMessage>) => {
      const m = ev.data;
      switch (m.type) {
        case "start":
          return hooks.progress.start(m.total, m.label);
        case "update":
          return hooks.progress.update(m.done, m.info);
        case "stop":
          return hooks.progress.stop();
        case "log":
          return hooks.log(m.message);
        case "done":
          finish();
          return resolve(m.summary);
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
      reject(new Error(`worker for ${req.nodeId} failed: ${ev.message}`));
    };
    worker.postMessage(req);
  });
}
