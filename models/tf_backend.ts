/**
 * TensorFlow.js under Deno, initialised once: the WASM backend (SIMD, XNNPACK; default) or, when
 * `AMR_BACKEND=webgpu` (models/backend.ts), tfjs's WebGPU backend, which needs an adapter and
 * never falls back to WASM (docs/performance.md#webgpu).
 *
 * Only the dense feature products run in tfjs (see models/matmul.ts); everything else is plain
 * typed-array code. XNNPACK's matMul runs on `threads` threads (models/wasm_threads.ts explains
 * how pthreads are made to work under Deno): the count comes from `initTf({ threads })`, else
 * the `AMR_THREADS` environment variable, else the cores available, capped at
 * {@link MAX_WASM_THREADS}. When threads cannot start, one line on stderr says why and the
 * backend runs single-threaded SIMD. Thread count does not change results: XNNPACK splits a
 * product by output tiles, each summed in the same order (tests/models/wasm_threads_test.ts).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { type Backend, requestedBackend, requireAdapter } from "./backend.ts";
import { MAX_WASM_THREADS, requestedThreads } from "./threads.ts";
import { probeWorkers, withPoolWorkers } from "./wasm_threads.ts";

/** Facts about the numerical backend, recorded in manifests. */
export interface BackendFacts {
  /** Version of `@tensorflow/tfjs`. */
  tfjsVersion: string;
  /** Active backend name (`wasm` or `webgpu`). */
  backend: string;
  /** Threads XNNPACK uses (1 on WebGPU: the CPU side is one thread). */
  threads: number;
  /** Whether the SIMD build of the WASM module is in use (false on WebGPU). */
  simd: boolean;
  /** WebGPU only: the adapter's description, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  adapter?: string;
  /** Why fewer threads than requested run (absent when the request was met). */
  fallback?: string;
}

/** Options of {@link initTf}. */
export interface TfOptions {
  /** Threads for XNNPACK; default {@link requestedThreads}. */
  threads?: number;
  /** Backend; default {@link requestedBackend} (`AMR_BACKEND`, else `wasm`). */
  backend?: Backend;
}

let ready: Promise<BackendFacts> | null = null;
let readyThreads = 0;
let readyBackend: Backend = "wasm";
let facts: BackendFacts | null = null;

/**
 * Initialises tfjs on the requested backend (idempotent) and returns its facts: the SIMD WASM
 * backend with the requested threads, or WebGPU (rejecting with `NoAdapterError` when the
 * machine has no adapter). A second call asking for another backend or thread count fails: the
 * backend is fixed once started.
 */
export function initTf(opts: TfOptions = {}): Promise<BackendFacts> {
  // A call that names no backend gets the started one (or, first, the one asked for).
  const backend = opts.backend ?? (ready !== null ? readyBackend : requestedBackend());
  if (backend === "webgpu") {
    if (ready === null) {
      readyBackend = backend;
      ready = setUpWebgpu();
      // A failed start (no adapter) may be retried, e.g. after a driver is installed.
      ready.catch(() => ready = null);
    } else if (readyBackend !== backend) {
      return Promise.reject(new Error(`initTf: already started on ${readyBackend}`));
    }
    return ready;
  }
  const threads = opts.threads ?? requestedThreads();
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_WASM_THREADS)) {
    return Promise.reject(new RangeError(`initTf: threads must be 1..${MAX_WASM_THREADS}`));
  }
  if (ready !== null && readyBackend !== backend) {
    return Promise.reject(new Error(`initTf: already started on ${readyBackend}`));
  }
  if (ready === null) {
    readyThreads = threads;
    readyBackend = backend;
    ready = setUp(threads);
  } else if (threads !== readyThreads) {
    return Promise.reject(
      new Error(`initTf: already started with ${readyThreads} thread(s), asked for ${threads}`),
    );
  }
  return ready;
}

/** The backend facts; throws if {@link initTf} has not finished. */
export function backendFacts(): BackendFacts {
  if (facts === null) throw new Error("tf_backend: call `await initTf()` first");
  return facts;
}

/** The one line printed when threads were requested but cannot run. */
export function fallbackLine(threads: number, reason: string): string {
  return `tf_backend: ${threads} WASM threads unavailable (${reason}); ` +
    `running single-threaded SIMD`;
}

async function setUp(threads: number): Promise<BackendFacts> {
  let fallback: string | undefined;
  if (threads > 1) {
    fallback = (await probeWorkers()) ?? undefined;
    if (fallback === undefined) {
      try {
        await startWasm(threads);
      } catch (e) {
        fallback = `start failed: ${(e as Error)?.message ?? e}`;
      }
    }
  }
  if (threads === 1 || fallback !== undefined) {
    if (fallback !== undefined) console.error(fallbackLine(threads, fallback));
    await startWasm(1);
  }
  facts = {
    tfjsVersion: tf.version.tfjs,
    backend: tf.getBackend(),
    threads: getThreadsCount(),
    simd: Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")),
    ...(fallback !== undefined ? { fallback } : {}),
  };
  return facts;
}

/**
 * Starts tfjs's WebGPU backend (its module is loaded only here, so WASM runs never load it). It
 * asks the adapter for its own limits (e.g. `maxStorageBufferBindingSize`).
 */
async function setUpWebgpu(): Promise<BackendFacts> {
  const adapter = await requireAdapter();
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) {
    throw new Error("tf_backend: the WebGPU backend failed to start");
  }
  await tf.ready();
  facts = {
    tfjsVersion: tf.version.tfjs,
    backend: tf.getBackend(),
    threads: 1,
    simd: false,
    adapter: adapter.info?.description || adapter.info?.device || "unknown",
  };
  return facts;
}

async function startWasm(threads: number): Promise<void> {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", threads > 1);
  setThreadsCount(threads);
  const start = async (): Promise<void> => {
    if (!(await tf.setBackend("wasm"))) throw new Error("tf_backend: WASM backend failed to start");
    await tf.ready();
  };
  if (threads > 1) await withPoolWorkers(threads, start);
  else await start();
}
