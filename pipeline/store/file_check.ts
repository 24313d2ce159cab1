/**
 * Verified reads: before a stage reads an input, and before a cached entry is reused, each file
 * is checked against the size and SHA-256 its producing manifest recorded.
 *
 * Each process hashes a file at most once per content: a file that matched is remembered by
 * path with its mtime and size, and is hashed again only when either changes (this memo lives
 * in memory only, so every new run hashes every file it reads once; bit rot is caught by the
 * next run, and `verify` never uses the memo).
 */
import { hashFile } from "../stage/hash.ts";
import type { Manifest } from "../stage/manifest.ts";
import type { Store } from "./store.ts";
import { regularFileProblem } from "./entry.ts";

/** One file that does not match its manifest. */
export interface FileProblem {
  /** Path of the offending file. */
  file: string;
  problem: "missing" | "size mismatch" | "hash mismatch" | "not a regular file";
  expected?: string;
  actual?: string;
}

/** What a manifest recorded for one file. */
export interface Expected {
  sha256: string;
  size: number;
}

const memo = new Map<string, { mtime: number; size: number; sha256: string }>();

/** One line describing a problem ("hash mismatch: <file> (expected ..., got ...)"). */
export function describeProblem(p: FileProblem): string {
  const detail = p.expected ? ` (expected ${p.expected}, got ${p.actual})` : "";
  return `${p.problem}: ${p.file}${detail}`;
}

/**
 * Checks one file against its recorded size and SHA-256; null when it matches. With
 * `fresh: true` the memo is ignored (always hashes).
 */
export async function checkFile(
  path: string,
  expected: Expected,
  opts: { fresh?: boolean } = {},
): Promise<FileProblem | null> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { file: path, problem: "missing" };
    throw e;
  }
  // A link is never followed: it could point at anything (a secret, another entry).
  if (!st.isFile) return { file: path, problem: "not a regular file" };
  if (st.size !== expected.size) {
    return {
      file: path,
      problem: "size mismatch",
      expected: String(expected.size),
      actual: String(st.size),
    };
  }
  const mtime = st.mtime?.getTime() ?? -1;
  const seen = memo.get(path);
  if (
    !opts.fresh && seen && seen.mtime === mtime && seen.size === st.size &&
    seen.sha256 === expected.sha256
  ) {
    return null;
  }
  const got = await hashFile(path);
  if (got.size !== expected.size) {
    return {
      file: path,
      problem: "size mismatch",
      expected: String(expected.size),
      actual: String(got.size),
    };
  }
  if (got.sha256 !== expected.sha256) {
    return { file: path, problem: "hash mismatch", expected: expected.sha256, actual: got.sha256 };
  }
  memo.set(path, { mtime, size: got.size, sha256: got.sha256 });
  return null;
}

/** Checks every output of a stored entry against its manifest. */
export async function checkEntry(
  store: Store,
  manifest: Manifest,
  opts: { fresh?: boolean } = {},
): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  for (const [name, rec] of Object.entries(manifest.outputs)) {
    const path = store.outputPath(manifest.key, name);
    const kind = await regularFileProblem(store.entryDir(manifest.key), name);
    const p = kind ? { file: path, problem: kind } : await checkFile(path, rec, opts);
    if (p) problems.push(p);
  }
  return problems;
}

/** Remembers the outputs of an entry just committed (hashed while being committed). */
export async function rememberEntry(store: Store, manifest: Manifest): Promise<void> {
  for (const [name, rec] of Object.entries(manifest.outputs)) {
    const path = store.outputPath(manifest.key, name);
    const st = await Deno.stat(path);
    memo.set(path, { mtime: st.mtime?.getTime() ?? -1, size: st.size, sha256: rec.sha256 });
  }
}

/** Raised when a stage's input does not match its producing manifest; that entry is quarantined. */
export class CorruptInput extends Error {
  override name = "CorruptInput";
  constructor(
    /** Key of the quarantined entry. */
    readonly key: string,
    /** Node that produced it. */
    readonly node: string,
    readonly problems: FileProblem[],
    /** Where the entry was moved (null when another process moved it first). */
    readonly movedTo: string | null,
  ) {
    super(
      `input from "${node}" failed verification: ${problems.map(describeProblem).join("; ")}; ` +
        `entry ${key.slice(0, 12)} quarantined${movedTo ? ` to ${movedTo}` : ""}`,
    );
  }
}

/** Finds a `CorruptInput` in an error or its causes. */
export function findCorruptInput(e: unknown): CorruptInput | null {
  for (let x = e; x instanceof Error; x = x.cause) {
    if (x instanceof CorruptInput) return x;
  }
  return null;
}
