/**
 * Content hashes of files outside the store (e.g. a user's own data folder), so a stage that reads them
 * is invalidated when they change. Like DVC, hashes are cached by (path, size, mtime) in
 * `<artifacts>/state/external_hashes.json`, so an unchanged 2 GB file is not re-read every run.
 * That trusts size and mtime, as make and DVC do: a file rewritten with the same size and its
 * mtime put back keeps its old hash. `--rehash` ({@link setRehash}) re-reads every file once.
 */
import { join, resolve } from "node:path";
import { hashFile } from "../stage/hash.ts";
import { readTextOrNull } from "../stage/absent.ts";
import { writeJsonAtomic } from "../store/state.ts";

interface CacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

let rehash = false;
/** Files re-read in this process under `--rehash`, with the size and mtime they had then. */
const rehashed = new Map<string, { size: number; mtimeMs: number }>();

/**
 * From now on in this process, {@link externalFileHash} re-reads every file (once per process, and
 * again when its size or mtime changes), ignoring the cached size and mtime: `reproduce --rehash`,
 * `status --rehash`.
 */
export function setRehash(on: boolean): void {
  rehash = on;
  rehashed.clear();
}

/**
 * SHA-256 of an external file, reusing the cached value while size and mtime are unchanged
 * (unless {@link setRehash}).
 */
export async function externalFileHash(path: string, artifactsRoot: string): Promise<string> {
  const abs = resolve(path);
  const st = await Deno.stat(abs);
  const mtimeMs = st.mtime?.getTime() ?? 0;
  const cachePath = join(artifactsRoot, "state", "external_hashes.json");
  const text = await readTextOrNull(cachePath);
  let cache: Record<string, CacheEntry> = {};
  try {
    cache = text === null ? {} : JSON.parse(text);
  } catch (e) {
    // Only a cache: one that is not JSON (e.g. edited by hand) is rebuilt.
    if (!(e instanceof SyntaxError)) throw e;
  }
  const hit = cache[abs];
  const same = hit && hit.size === st.size && hit.mtimeMs === mtimeMs;
  const seen = rehashed.get(abs);
  const trusted = rehash ? seen?.size === st.size && seen.mtimeMs === mtimeMs : true;
  if (same && trusted) return hit.sha256;
  const { sha256 } = await hashFile(abs);
  if (rehash) rehashed.set(abs, { size: st.size, mtimeMs });
  cache[abs] = { size: st.size, mtimeMs, sha256 };
  await writeJsonAtomic(cachePath, cache);
  return sha256;
}
