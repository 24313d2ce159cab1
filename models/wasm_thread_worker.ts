/**
 * Worker script of one WASM pthread of the threaded tfjs backend under Deno (models/wasm_threads.ts
 * starts it through `node:worker_threads`).
 *
 * Emscripten's own worker script ships only as a string that assigns the read-only `location`
 * and loads the glue from a `blob:` URL, neither of which works under Deno (docs/wasm-under-deno.md#threads). This
 * module speaks the same small message protocol instead: `probe` (a start-up check, see
 * `probeWorkers`), `load` (shared memory and compiled module in, `loaded` out), `run` (enter a
 * pthread's start routine), `cancel` and `processProxyingQueue`. The glue is the package's own
 * `wasm-out` build, imported as a module.
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import glue from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js";

// deno-lint-ignore no-explicit-any
type EmModule = Record<string, any>;

/** The glue's factory (its CommonJS `module.exports`); its .d.ts types it as the module. */
const createModule = glue as unknown as (config: EmModule) => Promise<EmModule>;

const port = parentPort;
if (port === null) throw new Error("wasm_thread_worker: must run as a worker thread");

/** Sends a message to the main thread (the glue calls the global `postMessage`). */
function send(msg: unknown, transfer?: readonly Transferable[]): void {
  // deno-lint-ignore no-explicit-any
  port!.postMessage(msg, transfer as any);
}

let mod: EmModule = {};
let started = false;
const pendingQueues: number[] = [];

// The glue refers to these two as free identifiers when it runs as a pthread.
Object.assign(globalThis, {
  postMessage: send,
  startWorker(instance: EmModule): void {
    mod = instance;
    send({ cmd: "loaded" });
  },
});

function load(d: EmModule): void {
  const config: EmModule = {
    wasmModule: d.wasmModule,
    wasmMemory: d.wasmMemory,
    buffer: d.wasmMemory.buffer,
    ENVIRONMENT_IS_PTHREAD: true,
    instantiateWasm(
      imports: WebAssembly.Imports,
      receive: (instance: WebAssembly.Instance) => void,
    ): WebAssembly.Exports {
      const instance = new WebAssembly.Instance(d.wasmModule, imports);
      receive(instance);
      return instance.exports;
    },
  };
  for (const handler of d.handlers as string[]) {
    config[handler] = (...args: unknown[]) => send({ cmd: "callHandler", handler, args });
  }
  mod = config;
  createModule(config);
}

function run(d: EmModule): void {
  mod.__emscripten_thread_init(d.pthread_ptr, 0, 0, 1);
  mod.establishStackSpace();
  mod.PThread.receiveObjectTransfer(d);
  mod.PThread.threadInitTLS();
  if (!started) {
    started = true;
    for (const q of pendingQueues.splice(0)) mod.executeNotifiedProxyingQueue(q);
  }
  try {
    mod.invokeEntryPoint(d.start_routine, d.arg);
  } catch (ex) {
    if (ex === "unwind") return;
    if (ex instanceof mod.ExitStatus) {
      if (!mod.keepRuntimeAlive()) mod.__emscripten_thread_exit((ex as EmModule).status);
      return;
    }
    throw ex;
  }
}

port.on("message", (d: EmModule) => {
  try {
    if (d.cmd === "probe") {
      send({ cmd: "probed", shared: d.memory?.buffer instanceof SharedArrayBuffer });
    } else if (d.cmd === "load") load(d);
    else if (d.cmd === "run") run(d);
    else if (d.cmd === "cancel") {
      if (mod._pthread_self()) mod.__emscripten_thread_exit(-1);
    } else if (d.cmd === "processProxyingQueue") {
      if (started) mod.executeNotifiedProxyingQueue(d.queue);
      else pendingQueues.push(d.queue);
    } else if (d.target !== "setimmediate" && d.cmd) {
      console.error(`wasm_thread_worker: unknown command ${d.cmd}`);
    }
  } catch (ex) {
    mod.__emscripten_thread_crashed?.();
    throw ex;
  }
});
