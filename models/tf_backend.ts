/**
 * TensorFlow.js with the WASM backend (SIMD, XNNPACK) under Deno, initialised once.
 *
 * Only the dense feature products run in tfjs (see models/matmul.ts); everything else is plain
 * typed-array code. Multi-threading is switched off (GUIDE sec. 6: the thread pool needs
 * work-arounds under Deno), so the backend runs one thread.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";

/** Facts about the numerical backend, recorded in cache keys and manifests. */
export interface BackendFacts {
  /** Version of `@tensorflow/tfjs`. */
  tfjsVersion: string;
  /** Active backend name (always `wasm`). */
  backend: string;
  /** Threads XNNPACK uses. */
  threads: number;
  /** Whether the SIMD build of the WASM module is in use. */
  simd: boolean;
}

let ready: Promise<BackendFacts> | null = null;
let facts: BackendFacts | null = null;

/** Initialises tfjs on the single-threaded SIMD WASM backend (idempotent) and returns its facts. */
export function initTf(): Promise<BackendFacts> {
  if (ready === null) ready = setUp();
  return ready;
}

/** The backend facts; throws if {@link initTf} has not finished. */
export function backendFacts(): BackendFacts {
  if (facts === null) throw new Error("tf_backend: call `await initTf()` first");
  return facts;
}

async function setUp(): Promise<BackendFacts> {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (!(await tf.setBackend("wasm"))) throw new Error("tf_backend: WASM backend failed to start");
  await tf.ready();
  facts = {
    tfjsVersion: tf.version.tfjs,
    backend: tf.getBackend(),
    threads: getThreadsCount(),
    simd: Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")),
  };
  return facts;
}
