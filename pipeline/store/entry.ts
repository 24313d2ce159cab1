/**
 * The rules an entry must obey before anything reads or trusts it, shared by the store (every
 * read, `verify`) and the bundle verifier: its manifest names the key of the folder it lies in,
 * its output names are plain relative paths, and nothing in it is a symbolic link (the store
 * never follows a link: a link planted in an entry could point anywhere, e.g. at a secret).
 *
 * @module
 */
import { join } from "node:path";
import type { Manifest } from "../stage/manifest.ts";

/** The name of an entry folder: a key, 64 lowercase hex digits. */
export const KEY_PATTERN: RegExp = /^[0-9a-f]{64}$/;

/**
 * Why a relative path is unsafe (absolute, `..`, backslash, drive letter, NUL, empty), or null
 * when it is a plain relative path.
 */
export function relativePathProblem(name: string): string | null {
  if (name.includes("\0")) return "NUL in its name";
  if (name.startsWith("/")) return "absolute path";
  if (/^[A-Za-z]:/.test(name) || name.includes("\\")) {
    return "drive letter or backslash in its path";
  }
  const parts = name.split("/").filter((s) => s !== "" && s !== ".");
  if (parts.includes("..")) return `".." in its path`;
  if (parts.length === 0) return "empty path";
  return null;
}

/**
 * What is wrong with a manifest found in folder `folder` (its key): a recorded key that is not
 * the folder's (an entry copied over another key), or an output name that is not a plain
 * relative path. Empty when nothing is.
 */
export function manifestProblems(folder: string, m: Manifest): string[] {
  const out: string[] = [];
  if (m.key !== folder) {
    out.push(
      `records key ${m.key}, but lies in the folder of key ${folder} ` +
        `(an entry copied over another key)`,
    );
  }
  for (const name of Object.keys(m.outputs)) {
    const p = relativePathProblem(name);
    if (p) out.push(`output "${name}": ${p}`);
  }
  return out;
}

/**
 * Looks at `rel` below `dir` without following any link: null when every component exists and
 * is a real folder and the last a regular file; otherwise "missing" or what is wrong.
 */
export async function regularFileProblem(
  dir: string,
  rel: string,
): Promise<"missing" | "not a regular file" | null> {
  const parts = rel.split("/").filter((s) => s !== "" && s !== ".");
  let path = dir;
  for (let i = 0; i < parts.length; i++) {
    path = join(path, parts[i]);
    let st: Deno.FileInfo;
    try {
      st = await Deno.lstat(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return "missing";
      }
      throw e;
    }
    const last = i === parts.length - 1;
    if (last ? !st.isFile : !st.isDirectory) return "not a regular file";
  }
  return null;
}

/**
 * A store entry that cannot be trusted as it is (unreadable or truncated manifest, a manifest
 * of another key, a link instead of a folder): names the path, and the store treats the entry
 * like one whose files fail their hashes (quarantined, rebuilt).
 */
export class CorruptEntry extends Error {
  override name = "CorruptEntry";
  constructor(
    /** Key of the entry (its folder's name). */
    readonly key: string,
    /** The offending path. */
    readonly path: string,
    /** What is wrong. */
    readonly reason: string,
    /** What the path is: the entry's manifest, or one of its outputs. */
    what = "manifest",
  ) {
    super(`corrupt ${what} ${path}: ${reason}`);
  }
}

/** Finds a {@link CorruptEntry} in an error or its causes. */
export function findCorruptEntry(e: unknown): CorruptEntry | null {
  for (let x = e; x instanceof Error; x = x.cause) {
    if (x instanceof CorruptEntry) return x;
  }
  return null;
}

/**
 * Gives every folder and file below `dir` (and `dir` itself) an explicit mode: folders
 * 0775 and files 0664, less the user's umask and never writable by others, whatever the umask
 * or the stage asked for. Refuses links and anything but folders and regular files.
 */
export async function setEntryModes(dir: string): Promise<void> {
  const mask = Deno.umask() | 0o002;
  const walk = async (path: string): Promise<void> => {
    for await (const e of Deno.readDir(path)) {
      const p = join(path, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile) await Deno.chmod(p, 0o664 & ~mask);
      else throw new Error(`${p}: not a regular file or folder (links are not stored)`);
    }
    await Deno.chmod(path, 0o775 & ~mask);
  };
  await walk(dir);
}
