/**
 * The WASM thread count asked for (kept apart from tfjs so the CLI can read it without loading
 * the backend): `AMR_THREADS`, else the cores available, capped at {@link MAX_WASM_THREADS}.
 *
 * @module
 */

/** Environment variable with the requested number of WASM threads (`--threads` sets it). */
export const THREADS_ENV = "AMR_THREADS";

/** Emscripten preallocates this many pthread workers; more threads are refused. */
export const MAX_WASM_THREADS = 8;

/** Parses a thread count (1 .. {@link MAX_WASM_THREADS}); `source` names it in the error. */
export function parseThreads(value: string, source: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
    throw new RangeError(`${source}: expected an integer 1..${MAX_WASM_THREADS}, got "${value}"`);
  }
  return n;
}

/**
 * The thread count asked for: `AMR_THREADS` when set (an integer >= 1), else the cores available
 * (`navigator.hardwareConcurrency`), capped at {@link MAX_WASM_THREADS}.
 */
export function requestedThreads(): number {
  const env = Deno.env.get(THREADS_ENV);
  if (env !== undefined && env !== "") return parseThreads(env, THREADS_ENV);
  return Math.min(MAX_WASM_THREADS, Math.max(1, navigator.hardwareConcurrency || 1));
}
