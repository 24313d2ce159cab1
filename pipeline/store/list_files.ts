/**
 * Lists the files under a folder, recursively, as sorted `/`-separated paths relative to it.
 *
 * @module
 */
import { join } from "node:path";

/** Every file below `dir` (folders descended, not listed), relative to `dir`, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (prefix: string): Promise<void> => {
    for await (const e of Deno.readDir(join(dir, prefix))) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory) await walk(rel);
      else out.push(rel);
    }
  };
  await walk("");
  return out.sort();
}
