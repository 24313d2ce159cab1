/**
 * Which tfjs backend runs the dense work: `wasm` (SIMD, XNNPACK; the default) or `webgpu`
 * (tfjs's own WebGPU backend, on whatever Vulkan driver the machine has). Kept apart from tfjs so
 * the CLI can read and check the choice without loading a backend.
 *
 * The backend changes results at float precision, so it is a runtime fact of every node that
 * runs tfjs (amr.ts `runtimeFacts`): WebGPU results never share a cache entry with WASM ones.
 *
 * @module
 */

/** A numeric backend. */
export type Backend = "wasm" | "webgpu";

/** The backends, default first. */
export const BACKENDS: readonly Backend[] = ["wasm", "webgpu"];

/** Environment variable with the backend (`--backend` sets it); default `wasm`. */
export const BACKEND_ENV = "AMR_BACKEND";

/** The one sentence printed when WebGPU is asked for and the machine offers no adapter. */
export const NO_ADAPTER_MESSAGE = "no WebGPU adapter: install a Vulkan driver " +
  "(mesa-vulkan-drivers for a software one, the GPU vendor's Vulkan ICD otherwise)";

/** Exit status of a run that asked for WebGPU on a machine without an adapter. */
export const NO_ADAPTER_EXIT = 2;

/** Raised when WebGPU is asked for and `navigator.gpu.requestAdapter()` gives none. */
export class NoAdapterError extends Error {
  override name = "NoAdapterError";
  /** The CLI's exit status for this error (pipeline/cli/main.ts). */
  readonly exitCode = NO_ADAPTER_EXIT;
  constructor() {
    super(NO_ADAPTER_MESSAGE);
  }
}

/** Parses a backend name; `source` names where it came from in the error. */
export function parseBackend(value: string, source: string): Backend {
  if ((BACKENDS as readonly string[]).includes(value)) return value as Backend;
  throw new RangeError(`${source}: expected one of ${BACKENDS.join(", ")}, got "${value}"`);
}

/** The backend asked for: `AMR_BACKEND` when set and not empty, else `wasm`. */
export function requestedBackend(): Backend {
  const env = Deno.env.get(BACKEND_ENV);
  return env === undefined || env === "" ? "wasm" : parseBackend(env, BACKEND_ENV);
}

/** The subset of `navigator.gpu` used here (a stand-in can be passed in tests). */
export interface GpuLike {
  /** As `GPU.requestAdapter`. */
  requestAdapter(): Promise<GPUAdapter | null>;
}

/**
 * The machine's WebGPU adapter; throws {@link NoAdapterError} when there is none (no
 * `navigator.gpu`, or no driver behind it). Never falls back to another backend.
 */
export async function requireAdapter(
  gpu: GpuLike | undefined = (navigator as { gpu?: GpuLike }).gpu,
): Promise<GPUAdapter> {
  const adapter = gpu ? await gpu.requestAdapter() : null;
  if (!adapter) throw new NoAdapterError();
  return adapter;
}
