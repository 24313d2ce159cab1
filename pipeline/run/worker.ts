/**
 * Worker entry point: runs one stage request (or a fused group of them) and reports progress,
 * logs and the results.
 */
/// <reference lib="deno.worker" />
import { type ExecHooks, executeHere, type WorkerMessage, type WorkerRequest } from "./execute.ts";
import type { Stage } from "../stage/stage.ts";

function send(m: WorkerMessage): void {
  self.postMessage(m);
}

self.onmessage = async (ev: MessageEvent<WorkerRequest>) => {
  const reqs = "one" in ev.data ? [ev.data.one] : ev.data.group;
  try {
    for (const [k, v] of Object.entries(reqs[0].env ?? {})) Deno.env.set(k, v);
    const mod = await import(reqs[0].moduleUrl) as Record<string, Stage>;
    const stage = mod[reqs[0].exportName];
    // Termination is the Worker's abort: the signal inside never fires.
    const signal = new AbortController().signal;
    const hooks: ExecHooks[] = reqs.map((_, node) => ({
      progress: {
        start: (total, label) => send({ type: "start", node, total, label }),
        update: (done, info) => send({ type: "update", node, done, info }),
        stop: () => send({ type: "stop", node }),
      },
      signal,
      log: (message) => send({ type: "log", node, message }),
    }));
    send({ type: "done", summaries: await executeHere(stage, reqs, hooks) });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    send({ type: "error", message: err.message, stack: err.stack });
  }
};
