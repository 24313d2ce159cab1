/**
 * Bounded concurrency for transfers: push and pull move many small objects, where a round trip
 * per object dominates, so several go at once (`--jobs`). Results keep the items' order, so what
 * a command prints and records does not depend on which transfer finished first.
 *
 * @module
 */

/** Transfers at once by default (`--jobs`). */
export const DEFAULT_JOBS = 8;

/** Most transfers at once (`--jobs`): beyond this a remote only queues them. */
export const MAX_JOBS = 64;

/**
 * Runs `fn` on every item, at most `jobs` at once, and returns the results in the items' order.
 * On a failure no further item starts; the first error is thrown once every started call has
 * settled, so nothing is still writing when the caller cleans up.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  jobs: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed: { error: unknown } | null = null;
  const worker = async () => {
    while (failed === null && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (e) {
        failed ??= { error: e };
      }
    }
  };
  const width = Math.max(1, Math.min(jobs, items.length));
  await Promise.all(Array.from({ length: width }, worker));
  if (failed !== null) throw (failed as { error: unknown }).error;
  return out;
}
