/**
 * Downloads a file safely: progress callback, per-request timeout, retries with exponential
 * backoff, resume of a partial download (`<dest>.part`, HTTP `Range`), size and SHA-256 checks
 * (streaming digest), and an atomic rename into place. A JSON lock file records
 * `{ "<file>": { "sha256": "...", "size": n, "url": "..." } }` on the first download and is
 * verified on every later one.
 *
 * Without network access it fails with a plain `DownloadError` ("could not download URL after
 * N attempts: ..."); callers add how to place the file by hand.
 */
import { createHash, type Hash } from "node:crypto";
import { dirname, relative, resolve } from "node:path";
import { hashFile } from "../pipeline/stage/mod.ts";

/** Called as bytes arrive; `total` is null when the server does not say. */
export type DownloadProgress = (done: number, total: number | null) => void;

/** Options for `downloadFile`. */
export interface DownloadOptions {
  /** Expected SHA-256 (hex). Overrides nothing: it must agree with the lock file if both exist. */
  sha256?: string;
  /** Expected size in bytes. */
  size?: number;
  /** JSON lock file to record hashes in (first download) and verify against (later). */
  lockFile?: string;
  /** Key of this file in the lock (default: `dest` relative to the lock file's folder). */
  lockKey?: string;
  /** Progress callback. */
  onProgress?: DownloadProgress;
  /** Abort a request when no bytes arrive for this long, connecting included (default 30,000). */
  timeoutMs?: number;
  /** Retries after a failed attempt (default 3). */
  retries?: number;
  /** Wait before the first retry; doubles each time (default 1,000 ms). */
  backoffMs?: number;
}

/** What `downloadFile` did. */
export interface DownloadResult {
  /** The final path (`dest`). */
  path: string;
  /** SHA-256 (hex) of the file. */
  sha256: string;
  /** Size in bytes. */
  size: number;
  /** False when a valid file was already in place. */
  downloaded: boolean;
  /** Bytes taken from an earlier partial download (0 if none). */
  resumedFrom: number;
  /** HTTP requests made. */
  attempts: number;
}

/** One file's record in the lock file. */
export interface LockEntry {
  /** SHA-256 (hex). */
  sha256: string;
  /** Size in bytes. */
  size: number;
  /** Where it was downloaded from. */
  url?: string;
}

/** A download that failed (network, HTTP status, size). */
export class DownloadError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "DownloadError";
  }
}

/** The file's SHA-256 differs from the expected one. */
export class ChecksumError extends DownloadError {
  /** Expected SHA-256 (hex). */
  readonly expected: string;
  /** Actual SHA-256 (hex). */
  readonly actual: string;
  /** Creates the error. */
  constructor(message: string, expected: string, actual: string) {
    super(message);
    this.name = "ChecksumError";
    this.expected = expected;
    this.actual = actual;
  }
}

/** Not worth retrying (HTTP 4xx, inconsistent sizes). */
class FatalError extends DownloadError {}

/** Reads a lock file (an empty lock when it does not exist). */
export async function readDownloadLock(path: string): Promise<Record<string, LockEntry>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw e;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: invalid JSON in lock file: ${(e as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new Error(`${path}: lock file must be a JSON object of file -> {sha256, size}`);
  }
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    const e = v as Partial<LockEntry>;
    if (typeof e?.sha256 !== "string" || typeof e?.size !== "number") {
      throw new Error(`${path}: lock entry '${k}' must have a string sha256 and a numeric size`);
    }
  }
  return data as Record<string, LockEntry>;
}

async function writeLockEntry(path: string, key: string, entry: LockEntry): Promise<void> {
  const lock = await readDownloadLock(path);
  lock[key] = entry;
  const sorted = Object.fromEntries(Object.entries(lock).sort(([a], [b]) => a.localeCompare(b)));
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(sorted, null, 2) + "\n");
  await Deno.rename(tmp, path);
}

async function fileSize(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).size;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Feeds a file's bytes into `hash` (streaming). */
async function hashInto(hash: Hash, path: string): Promise<void> {
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function describeError(e: unknown): string {
  // fetch wraps the reason ("fetch failed") around a cause chain.
  const parts: string[] = [];
  for (let c: unknown = e, depth = 0; c && depth < 5; depth++) {
    parts.push((c as Error).message ?? String(c));
    c = (c as Error).cause;
  }
  let msg = parts.join(": ");
  if (/connection refused/i.test(msg)) msg = "connection refused";
  else if (/dns error|failed to lookup|name or service not known/i.test(msg)) {
    msg = "host name could not be resolved (no network?)";
  }
  return msg;
}

/**
 * Downloads `url` to `dest` (see the module comment). If `dest` already exists it is verified
 * against the expected hash and size instead of being downloaded again; a mismatch is an error
 * and the file is left in place for the user to inspect.
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const lockKey = options.lockKey ??
    (options.lockFile ? relative(dirname(resolve(options.lockFile)), resolve(dest)) : dest);
  const lock = options.lockFile ? await readDownloadLock(options.lockFile) : {};
  const locked = lock[lockKey];
  if (locked && options.sha256 && locked.sha256 !== options.sha256.toLowerCase()) {
    throw new DownloadError(
      `${dest}: lock file ${options.lockFile} records sha256 ${locked.sha256}, caller expects ${options.sha256}`,
    );
  }
  const expectSha = (options.sha256 ?? locked?.sha256)?.toLowerCase();
  const expectSize = options.size ?? locked?.size;

  function verify(hex: string, size: number, what: string): void {
    if (expectSize !== undefined && size !== expectSize) {
      throw new DownloadError(`${what}: size ${size} bytes, expected ${expectSize}`);
    }
    if (expectSha !== undefined && hex !== expectSha) {
      throw new ChecksumError(
        `${what}: sha256 mismatch: expected ${expectSha}, actual ${hex}`,
        expectSha,
        hex,
      );
    }
  }
  async function record(hex: string, size: number): Promise<void> {
    if (options.lockFile && !locked) {
      await writeLockEntry(options.lockFile, lockKey, { sha256: hex, size, url });
    }
  }

  const existing = await fileSize(dest);
  if (existing !== null) {
    const hex = (await hashFile(dest)).sha256;
    verify(hex, existing, `${dest} (already present; remove it to download again)`);
    await record(hex, existing);
    return {
      path: dest,
      sha256: hex,
      size: existing,
      downloaded: false,
      resumedFrom: 0,
      attempts: 0,
    };
  }

  const part = `${dest}.part`;
  await Deno.mkdir(dirname(resolve(dest)), { recursive: true });
  const retries = options.retries ?? 3;
  const backoff = options.backoffMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let resumedFrom = 0;
  let attempts = 0;
  let hash = createHash("sha256");
  let hashed = 0; // bytes of the part file already in `hash`
  let lastError = "";
  let finalSize = -1;

  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(backoff * 2 ** (attempt - 1));
    attempts++;
    let have = (await fileSize(part)) ?? 0;
    if (expectSize !== undefined && have > expectSize) {
      await Deno.remove(part);
      have = 0;
    }
    if (have !== hashed) {
      // A .part from an earlier run (or a failed append): hash what is there.
      hash = createHash("sha256");
      if (have > 0) await hashInto(hash, part);
      hashed = have;
    }
    try {
      finalSize = await attemptOnce(url, part, have, {
        timeoutMs,
        expectSize,
        onProgress: options.onProgress,
        onStart: (from) => {
          if (from === 0 && hashed !== 0) {
            hash = createHash("sha256");
            hashed = 0;
          }
          if (from > 0 && resumedFrom === 0) resumedFrom = from;
        },
        onChunk: (chunk) => {
          hash.update(chunk);
          hashed += chunk.length;
        },
      });
      break;
    } catch (e) {
      lastError = describeError(e);
      if (e instanceof FatalError) {
        throw new DownloadError(`could not download ${url}: ${lastError}`);
      }
      // The part file may now hold more bytes than were hashed if a write failed midway.
      const now = (await fileSize(part)) ?? 0;
      if (now !== hashed) hashed = -1;
    }
  }
  if (finalSize < 0) {
    throw new DownloadError(
      `could not download ${url} after ${attempts} attempt${
        attempts === 1 ? "" : "s"
      }: ${lastError}`,
    );
  }
  const hex = hash.digest("hex");
  try {
    verify(hex, finalSize, `download of ${url}`);
  } catch (e) {
    await Deno.remove(part).catch(() => {});
    throw e;
  }
  await Deno.rename(part, dest);
  await record(hex, finalSize);
  return { path: dest, sha256: hex, size: finalSize, downloaded: true, resumedFrom, attempts };
}

interface AttemptHooks {
  timeoutMs: number;
  expectSize?: number;
  onProgress?: DownloadProgress;
  onStart: (from: number) => void;
  onChunk: (chunk: Uint8Array) => void;
}

/** One HTTP request; appends to `part` from byte `have`. Returns the complete size. */
async function attemptOnce(
  url: string,
  part: string,
  have: number,
  hooks: AttemptHooks,
): Promise<number> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new Error(`no data for ${hooks.timeoutMs} ms (timeout)`)),
      hooks.timeoutMs,
    );
  };
  arm();
  try {
    const headers: Record<string, string> = {};
    if (have > 0) headers["Range"] = `bytes=${have}-`;
    const resp = await fetch(url, { headers, signal: controller.signal });
    let from = 0;
    let total: number | null = null;
    const length = resp.headers.get("content-length");
    if (resp.status === 206 && have > 0) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(resp.headers.get("content-range") ?? "");
      if (!m || Number(m[1]) !== have) {
        await resp.body?.cancel();
        await Deno.remove(part).catch(() => {});
        throw new DownloadError(`server answered the range request with '${m?.[0]}', restarting`);
      }
      from = have;
      total = m[3] === "*" ? null : Number(m[3]);
    } else if (resp.status === 416 && have > 0 && have === hooks.expectSize) {
      await resp.body?.cancel();
      return have; // the part was already complete
    } else if (resp.status === 200) {
      total = length !== null ? Number(length) : null;
    } else {
      await resp.body?.cancel();
      if (resp.status === 416) await Deno.remove(part).catch(() => {});
      const retryable = resp.status >= 500 || resp.status === 408 || resp.status === 429 ||
        resp.status === 416;
      const msg = `HTTP ${resp.status} ${resp.statusText}`.trim();
      throw retryable ? new DownloadError(msg) : new FatalError(msg);
    }
    if (total !== null && hooks.expectSize !== undefined && total !== hooks.expectSize) {
      await resp.body?.cancel();
      throw new FatalError(`server reports ${total} bytes, expected ${hooks.expectSize}`);
    }
    hooks.onStart(from);
    const file = await Deno.open(part, {
      write: true,
      create: true,
      append: from > 0,
      truncate: from === 0,
    });
    let done = from;
    try {
      hooks.onProgress?.(done, total);
      if (resp.body) {
        for await (const chunk of resp.body) {
          arm();
          let off = 0;
          while (off < chunk.length) off += await file.write(chunk.subarray(off));
          hooks.onChunk(chunk);
          done += chunk.length;
          hooks.onProgress?.(done, total);
        }
      }
      await file.sync();
    } finally {
      file.close();
    }
    if (total !== null && done !== total) {
      throw new DownloadError(`connection closed after ${done} of ${total} bytes`);
    }
    return done;
  } finally {
    clearTimeout(timer);
  }
}
