/**
 * Bounded transfers: `mapPool` runs at most `jobs` calls at once, keeps the items' order in its
 * results, starts nothing after a failure and throws only once every started call has settled.
 */
import assert from "node:assert/strict";
import { mapPool } from "../../../pipeline/remote/pool.ts";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("mapPool: at most `jobs` at once, results in the items' order", async () => {
  for (const jobs of [1, 3, 8, 100]) {
    let running = 0;
    let most = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    const out = await mapPool(items, jobs, async (i) => {
      most = Math.max(most, ++running);
      await tick((i * 7) % 5); // finishing out of order
      running--;
      return i * i;
    });
    assert.deepEqual(out, items.map((i) => i * i));
    assert.equal(most, Math.min(jobs, items.length), `jobs ${jobs}`);
  }
  assert.deepEqual(await mapPool([], 8, () => Promise.resolve(1)), []);
});

Deno.test("mapPool: a failure stops new calls and waits for the started ones", async () => {
  const started: number[] = [];
  const finished: number[] = [];
  await assert.rejects(
    () =>
      mapPool(Array.from({ length: 10 }, (_, i) => i), 3, async (i) => {
        started.push(i);
        if (i === 1) throw new Error("lost");
        await tick(20);
        finished.push(i);
      }),
    /lost/,
  );
  // 0 and 2 were under way when 1 failed: both finished before the error came out; 3.. never ran.
  assert.deepEqual(started, [0, 1, 2]);
  assert.deepEqual(finished.sort(), [0, 2]);
});
