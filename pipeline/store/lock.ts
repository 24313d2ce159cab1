/**
 * Lock files that work on a shared (NFS) filesystem: an `O_EXCL` create of a file naming its
 * owner, a heartbeat that rewrites the file while the lock is held, and takeover of a stale
 * lock (see docs/locking.md for why this and not `proper-lockfile`).
 *
 * Staleness is judged on the waiter's own clock: a lock from another host whose content (owner
 * token + beat counter) has not changed for `staleMs` is stale, so clock skew between hosts
 * does not matter. On the owner's host a lock is stale exactly when its process is gone. Takeover happens
 * under a guard file, re-reading the content first, so a fresh lock is never removed. An owner
 * whose heartbeat finds the file no longer its own has lost the lock and says so through
 * `lost`.
 */
import { join } from "node:path";
import { readTextOrNull, statOrNull } from "../stage/absent.ts";

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** Milliseconds to wait for another process's lock before failing (default: 6 hours). */
  timeoutMs?: number;
  /** Poll interval in milliseconds (default 200). */
  pollMs?: number;
  /**
   * A lock from another host unchanged this long is stale (default 120 s; the heartbeat is a
   * fifth of it). A lock from this host is stale exactly when its process is gone.
   */
  staleMs?: number;
  /** What the lock guards, for messages (default: the file name). */
  what?: string;
  /** Aborts the wait. */
  signal?: AbortSignal;
}

/** A held lock; release it when done. */
export interface HeldLock {
  /** Stops the heartbeat and removes the lock file if it is still ours. */
  release(): Promise<void>;
  /** Aborted when the heartbeat finds that another process took the lock over. */
  readonly lost: AbortSignal;
}

/** The content of a lock file. */
export interface LockHolder {
  pid: number;
  host: string;
  /** Unique per acquisition. */
  token: string;
  /** Heartbeat counter, incremented on every beat. */
  beat: number;
  since: string;
}

/** Takes the lock file at `path`, waiting while a live holder has it. */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const timeout = options.timeoutMs ?? 6 * 3600 * 1000;
  const poll = options.pollMs ?? 200;
  const staleMs = options.staleMs ?? 120_000;
  const what = options.what ?? path;
  const t0 = Date.now();
  await Deno.mkdir(join(path, ".."), { recursive: true });
  const me: LockHolder = {
    pid: Deno.pid,
    host: Deno.hostname(),
    token: crypto.randomUUID(),
    beat: 0,
    since: new Date().toISOString(),
  };
  // Last content seen of someone else's lock, and since when (our clock) it has not changed.
  let seen: { text: string; at: number } | null = null;
  while (true) {
    options.signal?.throwIfAborted();
    try {
      await Deno.writeTextFile(path, JSON.stringify(me), { createNew: true });
      return startHeartbeat(path, me, staleMs);
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    const text = await readTextOrNull(path);
    if (text !== null) {
      const now = Date.now();
      if (!seen || seen.text !== text) seen = { text, at: now };
      const holder = parseHolder(text);
      // On the holder's own host its pid is the truth (a stage that blocks the event loop for
      // a while stops the heartbeat but is not dead); elsewhere only the heartbeat can tell.
      const local = holder !== null && holder.host === Deno.hostname();
      const stale = local ? !pidAlive(holder.pid) : now - seen.at >= staleMs;
      if (stale) {
        await takeOver(path, text, staleMs);
        seen = null;
        continue;
      }
      if (now - t0 > timeout) {
        throw new Error(
          `${what} is locked by process ${holder?.pid ?? "?"} on ${holder?.host ?? "?"} ` +
            `(${path}); waited ${Math.round(timeout / 1000)} s. ` +
            `If no run is active, delete the lock file.`,
        );
      }
    }
    await sleep(poll, options.signal);
  }
}

/** Reads the holder of a lock file; null when absent or not a holder's JSON. */
export async function readLockHolder(path: string): Promise<LockHolder | null> {
  const text = await readTextOrNull(path);
  return text === null ? null : parseHolder(text);
}

/**
 * Removes a stale lock whose content is still `staleText`. Only the holder of the guard file
 * `<path>.takeover` (an `O_EXCL` create) may remove a lock, and it re-reads the content under
 * the guard, so a fresh lock taken meanwhile is never removed. A guard left by a taker that
 * died within those few milliseconds is cleared once it is older than twice `staleMs`.
 */
async function takeOver(path: string, staleText: string, staleMs: number): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    await Deno.writeTextFile(guard, `${Deno.hostname()} ${Deno.pid}`, { createNew: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    const st = await statOrNull(guard);
    if (st?.mtime && Date.now() - st.mtime.getTime() > 2 * staleMs) {
      await Deno.remove(guard).catch(() => {});
    }
    return; // someone else is taking over; look again after the poll interval
  }
  try {
    if ((await readTextOrNull(path)) === staleText) await Deno.remove(path).catch(() => {});
  } finally {
    await Deno.remove(guard).catch(() => {});
  }
}

function startHeartbeat(path: string, me: LockHolder, staleMs: number): HeldLock {
  const lost = new AbortController();
  let released = false;
  let beating: Promise<void> = Promise.resolve();
  const mine = () => JSON.stringify(me);
  const beat = async () => {
    const text = await readTextOrNull(path);
    if (text !== mine()) {
      lost.abort(new Error(`lock ${path} was taken over by another process`));
      clearInterval(timer);
      return;
    }
    me.beat++;
    // Rewrite through a temporary file and rename so a reader never sees a torn file.
    const tmp = `${path}.beat-${me.token}`;
    await Deno.writeTextFile(tmp, mine());
    if (!released) await Deno.rename(tmp, path);
    else await Deno.remove(tmp).catch(() => {});
  };
  const timer = setInterval(() => {
    beating = beating.then(beat).catch(() => {});
  }, Math.max(50, Math.floor(staleMs / 5)));
  Deno.unrefTimer(timer);
  return {
    lost: lost.signal,
    async release() {
      released = true;
      clearInterval(timer);
      await beating;
      if ((await readTextOrNull(path)) === mine()) await Deno.remove(path).catch(() => {});
    },
  };
}

function parseHolder(text: string): LockHolder | null {
  let v: Partial<LockHolder> | null;
  try {
    v = JSON.parse(text);
  } catch (e) {
    // Not JSON: written by an older version, or torn. Judged by its age alone.
    if (e instanceof SyntaxError) return null;
    throw e;
  }
  return typeof v?.pid === "number" && typeof v.host === "string" ? v as LockHolder : null;
}

function pidAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
