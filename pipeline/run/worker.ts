/**
 * Worker entry point: runs one stage request and reports progress, logs and the result.
 */
/// <reference lib="deno.worker" />
import { deepFreeze, type ExecRequest, type WorkerMessage } from "./execute.ts";
import type { Stage } from "../stage/stage.ts";
import { Rng } from "../stage/rng.ts";
import { FileCheckpointer } from "../stage/checkpoint.ts";

function send(m: WorkerMessage): void {
  self.postMessage(m);
}

self.onmessage = async (ev: MessageEvent<ExecRequest>) => {
  const req = ev.data;
  try {
    for (const [k, v] of Object.entries(req.env ?? {})) Deno.env.set(k, v);
    const mod = await import(req.moduleUrl) as Record<string, Stage>;
    const stage = mod[req.exportName];
    const summary = await stage.run({
      params: req.params,
      inputs: req.inputs,
      outDir: req.outDir,
      rng: new Rng(req.seed),
      progress: {
        start: (total, label) => send({ type: "start", total, label }),
        update: (done, info) => send({ type: "update", done, info }),
        stop: () => send({ type: "stop" }),
      },
      signal: new AbortController().signal,
      log: (message) => send({ type: "log", message }),
      checkpoint: new FileCheckpointer(
        req.checkpoint,
        (message) => send({ type: "log", message }),
      ),
      ...(req.inputManifests ? { inputManifests: deepFreeze(req.inputManifests) } : {}),
    });
    send({ type: "done", summary: summary ?? null });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    send({ type: "error", message: err.message, stack: err.stack });
  }
};
