/**
 * Content hashes of files outside the store (e.g. a user's own data folder), so a stage that reads them
 * is invalidated when they change. Like DVC, hashes are cached by (path, size, mtime) in
 * `<artifacts>/state/external_hashes.json`, so an unchanged 2 GB file is not re-read every run.
 */
import { join, resolve } from "node:path";
import { hashFile } from "../stage/hash.ts";
import { writeJsonAtomic } from "../store/state.ts";

interface CacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** SHA-256 of an external file, reusing the cached value while size and mtime are unchanged. */
export async function externalFileHash(path: string, artifactsRoot: string): Promise<string> {
  const abs = resolve(path);
  const st = await Deno.stat(abs);
  const mtimeMs = st.mtime?.getTime() ?? 0;
  const cachePath = join(artifactsRoot, "state", "external_hashes.json");
  let cache: Record<string, CacheEntry> = {};
  try {
    cache = JSON.parse(await Deno.readTextFile(cachePath));
  } catch {
    cache = {};
  }
  const hit = cache[abs];
  if (hit && hit.size === st.size && hit.mtimeMs === mtimeMs) return hit.sha256;
  const { sha256 } = await hashFile(abs);
  cache[abs] = { size: st.size, mtimeMs, sha256 };
  await writeJsonAtomic(cachePath, cache);
  return sha256;
}
