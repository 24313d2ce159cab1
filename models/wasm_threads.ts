/**
 * Multi-threaded tfjs WASM (SIMD + threads) under Deno, without patching tfjs.
 *
 * Under Deno tfjs takes itself for Node.js, so Emscripten starts its pthreads with
 * `node:worker_threads`. Four things stand in the way (docs/wasm-under-deno.md#threads); each is handled here:
 *
 * 1. the worker URL tfjs hands Emscripten is a `blob:` URL, and Deno's `node:worker_threads`
 *    accepts only file paths: while the backend starts, the `Worker` class of
 *    `node:worker_threads` is swapped for {@link PoolWorker}, which ignores that URL and runs
 *    models/wasm_thread_worker.ts instead (the original class is put back afterwards);
 * 2. the shipped worker script is a string that assigns the read-only `location`:
 *    models/wasm_thread_worker.ts speaks its message protocol without touching `location`, and
 *    the `load` message's `Blob` of the glue is dropped (the worker imports the glue itself);
 * 3. the backend caps its pool at half the logical cores that `os.cpus()` reports, read once as
 *    the module starts: while it starts, `os.cpus()` reports twice the requested count;
 * 4. running pthreads `ref()` their worker, which keeps the process alive after `main` ends:
 *    a {@link PoolWorker} never holds the process (the main thread waits for XNNPACK itself).
 *
 * Emscripten preallocates 8 pthread workers and waits for all of them to load. A
 * {@link PoolWorker} starts its real worker only when a pthread is run on it, so only the
 * `threads - 1` workers XNNPACK uses exist. Emscripten also overwrites the global `Worker` with
 * the Node.js class while it starts; the Deno one is restored (pipeline/run/execute.ts needs it).
 *
 * @module
 */
import { EventEmitter } from "node:events";
import os from "node:os";
import { fileURLToPath } from "node:url";
import workerThreads from "node:worker_threads";
import { MAX_WASM_THREADS } from "./threads.ts";

/** Path of the pthread worker script. */
const WORKER_PATH = fileURLToPath(new URL("./wasm_thread_worker.ts", import.meta.url));

const NodeWorker = workerThreads.Worker;
type RealWorker = InstanceType<typeof NodeWorker>;

/** A worker started ahead of time by {@link probeWorkers}, handed to the first pthread. */
let spare: RealWorker | null = null;

/** Starts a pthread worker that never holds the process open. */
function startRealWorker(): RealWorker {
  const w = new NodeWorker(WORKER_PATH);
  w.unref();
  return w;
}

/**
 * Stands in for the `node:worker_threads` Worker Emscripten creates per pool slot: answers
 * `load` at once and starts the real worker (models/wasm_thread_worker.ts) on the first message
 * that needs one, replaying `load` to it first.
 */
class PoolWorker extends EventEmitter {
  #real: RealWorker | null = null;
  // deno-lint-ignore no-explicit-any
  #load: any = null;

  constructor(url: string | URL) {
    super();
    if (String(url).startsWith("blob:")) URL.revokeObjectURL(String(url));
  }

  /** Forwards a message to the real worker, starting it when needed. */
  // deno-lint-ignore no-explicit-any
  postMessage(msg: any, transfer?: readonly any[]): void {
    if (msg?.cmd === "load") {
      this.#load = { ...msg, urlOrBlob: undefined };
      setTimeout(() => this.emit("message", { cmd: "loaded" }), 0);
      return;
    }
    // deno-lint-ignore no-explicit-any
    this.#start().postMessage(msg, transfer as any);
  }

  #start(): RealWorker {
    if (this.#real) return this.#real;
    const real = spare ?? startRealWorker();
    spare = null;
    real.on("message", (d: { cmd?: string }) => {
      if (d?.cmd !== "loaded") this.emit("message", d); // Emscripten saw `loaded` already
    });
    real.on("error", (e: unknown) => this.emit("error", e));
    real.postMessage(this.#load);
    this.#real = real;
    return real;
  }

  /** Never holds the process. */
  ref(): void {}

  /** Never holds the process. */
  unref(): void {}

  /** Stops the real worker, if any. */
  terminate(): Promise<number> {
    return this.#real ? this.#real.terminate() : Promise.resolve(0);
  }
}

/**
 * Checks that a pthread worker starts here and receives shared WebAssembly memory, within
 * `timeoutMs`; keeps it for the pool. Resolves to null when it works, else to the reason.
 */
export function probeWorkers(timeoutMs = 30_000): Promise<string | null> {
  if (typeof SharedArrayBuffer === "undefined") {
    return Promise.resolve("no SharedArrayBuffer");
  }
  return new Promise((resolve) => {
    let w: RealWorker;
    try {
      w = startRealWorker();
    } catch (e) {
      resolve(String((e as Error)?.message ?? e));
      return;
    }
    const timer = setTimeout(
      () => finish(`no answer from the worker in ${timeoutMs} ms`),
      timeoutMs,
    );
    function finish(reason: string | null): void {
      clearTimeout(timer);
      w.removeAllListeners();
      if (reason === null) spare = w;
      else w.terminate();
      resolve(reason);
    }
    w.on("error", (e: unknown) => finish(String((e as Error)?.message ?? e)));
    w.on("message", (d: { cmd?: string; shared?: boolean }) => {
      if (d?.cmd === "probed") finish(d.shared ? null : "shared memory did not reach the worker");
    });
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    w.postMessage({ cmd: "probe", memory });
  });
}

/**
 * Runs `start` (which must start the threaded tfjs WASM backend with `threads` threads) with
 * pthreads served by {@link PoolWorker}, then restores `node:worker_threads`, `os.cpus` and the
 * global `Worker`.
 */
export async function withPoolWorkers<T>(threads: number, start: () => Promise<T>): Promise<T> {
  if (!(threads >= 1 && threads <= MAX_WASM_THREADS)) {
    throw new RangeError(`WASM threads must be 1..${MAX_WASM_THREADS}, got ${threads}`);
  }
  const globalWorker = globalThis.Worker;
  const cpus = os.cpus;
  const core = cpus.call(os)[0];
  os.cpus = () => Array.from({ length: 2 * threads }, () => core); // only the length is read
  // deno-lint-ignore no-explicit-any
  (workerThreads as any).Worker = PoolWorker;
  try {
    return await start();
  } finally {
    // deno-lint-ignore no-explicit-any
    (workerThreads as any).Worker = NodeWorker;
    os.cpus = cpus;
    globalThis.Worker = globalWorker;
  }
}
