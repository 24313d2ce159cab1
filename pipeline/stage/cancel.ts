/**
 * Cancellation points for long synchronous loops.
 *
 * A training loop that never awaits a macrotask keeps the event loop from running, so a
 * Ctrl-C handler (and the abort it triggers) would wait for the whole stage. A cancellation
 * point yields to the event loop at most every `intervalMs` milliseconds of work and then throws
 * if the run was aborted, so a cancel lands within one batch plus `intervalMs`.
 */

/** A function to call between batches; resolves when work may continue. */
export type CancelPoint = () => Promise<void>;

/** Makes a cancellation point for `signal` (no-op yielding when `signal` is undefined). */
export function cancelPoint(signal: AbortSignal | undefined, intervalMs = 50): CancelPoint {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last >= intervalMs) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      last = performance.now();
    }
    signal?.throwIfAborted();
  };
}
