/**
 * Heartbeat lock files (pipeline/store/lock.ts): a live holder on another host keeps its lock, a
 * holder whose heartbeat stopped loses it after `staleMs`, racing takers of one stale lock end
 * with exactly one holder, and an owner whose lock was taken over learns it through `lost`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { acquireLock, readLockHolder } from "../../../pipeline/store/lock.ts";

async function tempPath(): Promise<string> {
  return join(await Deno.makeTempDir({ prefix: "amr-lock-" }), "x.lock");
}

function foreign(beat: number): string {
  return JSON.stringify({
    pid: 1,
    host: "another-host",
    token: "t-foreign",
    beat,
    since: new Date().toISOString(),
  });
}

Deno.test("a lock whose heartbeat continues is never taken, however old", async () => {
  const path = await tempPath();
  await Deno.writeTextFile(path, foreign(0));
  let beat = 0;
  const timer = setInterval(() => Deno.writeTextFileSync(path, foreign(++beat)), 20);
  try {
    // Stale time far above the beat interval: a loaded machine may delay timers a lot.
    await assert.rejects(
      acquireLock(path, { staleMs: 1000, pollMs: 10, timeoutMs: 2500 }),
      /locked by process 1 on another-host/,
    );
  } finally {
    clearInterval(timer);
  }
});

Deno.test("a lock from another host whose heartbeat stopped is taken over", async () => {
  const path = await tempPath();
  await Deno.writeTextFile(path, foreign(7));
  const t0 = performance.now();
  const lock = await acquireLock(path, { staleMs: 150, pollMs: 10 });
  assert.ok(performance.now() - t0 >= 150, "waited for the stale time");
  assert.equal((await readLockHolder(path))?.pid, Deno.pid);
  await lock.release();
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
});

Deno.test("racing takers of one stale lock: exactly one holds it at a time", async () => {
  for (let round = 0; round < 4; round++) {
    const path = await tempPath();
    await Deno.writeTextFile(path, foreign(1));
    let inside = 0;
    let maxInside = 0;
    await Promise.all(Array.from({ length: 6 }, async () => {
      const lock = await acquireLock(path, { staleMs: 60, pollMs: 3 });
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setTimeout(r, 20));
      inside--;
      await lock.release();
    }));
    assert.equal(maxInside, 1, `round ${round}`);
  }
});

Deno.test("a lock of a live process on this host is kept even without heartbeats", async () => {
  const path = await tempPath();
  const holder = { pid: Deno.pid, host: Deno.hostname(), token: "t", beat: 0, since: "" };
  await Deno.writeTextFile(path, JSON.stringify(holder));
  await assert.rejects(
    acquireLock(path, { staleMs: 50, pollMs: 10, timeoutMs: 300 }),
    /is locked by process/,
  );
});

Deno.test("an owner whose lock was taken over learns it through `lost`", async () => {
  const path = await tempPath();
  const lock = await acquireLock(path, { staleMs: 100 });
  assert.equal(lock.lost.aborted, false);
  await Deno.writeTextFile(path, foreign(0)); // someone else's now
  for (let i = 0; i < 100 && !lock.lost.aborted; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(lock.lost.aborted, true);
  await lock.release();
  assert.equal((await readLockHolder(path))?.host, "another-host", "release leaves theirs");
});

Deno.test("a lock file that is not a holder's JSON has no holder; an unreadable one is reported", async () => {
  const path = await tempPath();
  assert.equal(await readLockHolder(path), null);
  for (const text of ["null", "7", "torn {", '{"pid":1}']) {
    await Deno.writeTextFile(path, text);
    assert.equal(await readLockHolder(path), null, text);
  }
  await Deno.remove(path);
  await Deno.mkdir(path); // a folder where the lock file should be (EISDIR, even for root)
  await assert.rejects(readLockHolder(path), Deno.errors.IsADirectory);
});
