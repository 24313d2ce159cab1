/**
 * Bringing the authors' Pinterest files into a data folder: `fetchPinterest` downloads them
 * (`io/fetch.ts`: timeouts, retries, resume, size and SHA-256 checks against the pinned
 * `pos.txt` hash and the folder's lock file) and `importPinterest` validates a folder the user
 * filled by hand and copies (or links) its files in. Both validate the three data files together
 * (`readAuthorsData`) before reporting success, and never leave a half-written file under a
 * final name.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import {
  downloadFile,
  type DownloadProgress,
  type DownloadResult,
  readDownloadLock,
} from "../io/fetch.ts";
import { hashFile, statOrNull } from "../pipeline/stage/mod.ts";
import { readPickledWeights } from "../io/pickle_npy.ts";
import {
  AUTHORS_FILES,
  type AuthorsData,
  type AuthorsFile,
  LOCK_FILE_NAME,
  POS_SHA256,
  readAuthorsData,
  readOfficialWeights,
  WEIGHTS_FILE,
} from "./authors_files.ts";

/** Options of {@link fetchPinterest}. */
export interface FetchPinterestOptions {
  /** Base URL the repository paths are appended to. */
  baseUrl: string;
  /** Per-request inactivity timeout. */
  timeoutMs?: number;
  /** Retries per file. */
  retries?: number;
  /** Wait before the first retry (doubles each time). */
  backoffMs?: number;
  /** Skip `weights/best-vbpr.npy`. */
  skipWeights?: boolean;
  /** Called when a file starts downloading and as its bytes arrive. */
  onProgress?: (file: string, done: number, total: number | null) => void;
}

/** What happened to one file. */
export interface FileOutcome {
  /** Path inside the data folder. */
  name: string;
  /** SHA-256 (hex). */
  sha256: string;
  /** Size in bytes. */
  size: number;
  /** Downloaded now (false: already present and verified). */
  downloaded: boolean;
  /** Bytes resumed from an earlier partial download. */
  resumedFrom: number;
}

/** Summary of a fetch or import. */
export interface PinterestSummary {
  /** The data folder. */
  dir: string;
  /** Each file. */
  files: FileOutcome[];
  /** Counts from validating the folder. */
  users: number;
  items: number;
  dim: number;
  posLines: number;
  duplicateLines: number;
  duplicatedPairs: number;
  trainPairs: number;
  /** Problems that do not stop the import (e.g. weights whose shapes do not fit the data). */
  warnings: string[];
}

/** Checks that the weights file is the authors' pickle; a shape mismatch is only a warning
 * (it fails later, clearly, in `--init official-vbpr`). */
async function checkWeights(path: string, data: AuthorsData): Promise<string[]> {
  await readPickledWeights(path);
  try {
    await readOfficialWeights(path, data);
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

function summarize(
  dir: string,
  files: FileOutcome[],
  data: AuthorsData,
  warnings: string[],
): PinterestSummary {
  return {
    warnings,
    dir,
    files,
    users: data.users,
    items: data.items,
    dim: data.dim,
    posLines: data.pos.lines,
    duplicateLines: data.pos.duplicates.length,
    duplicatedPairs: data.pos.duplicatedPairs,
    trainPairs: data.pos.users.length,
  };
}

/** Downloads the authors' files into `dir` (see the module comment). */
export async function fetchPinterest(
  dir: string,
  opts: FetchPinterestOptions,
): Promise<PinterestSummary> {
  await Deno.mkdir(dir, { recursive: true });
  const lockFile = join(dir, LOCK_FILE_NAME);
  const base = opts.baseUrl.replace(/\/+$/, "");
  const files: FileOutcome[] = [];
  for (const f of AUTHORS_FILES) {
    if (opts.skipWeights && f.name === WEIGHTS_FILE) continue;
    const progress: DownloadProgress = (done, total) => opts.onProgress?.(f.name, done, total);
    const r: DownloadResult = await downloadFile(`${base}/${f.remote}`, join(dir, f.name), {
      sha256: f.sha256,
      size: f.size,
      lockFile,
      lockKey: f.name,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      backoffMs: opts.backoffMs,
      onProgress: progress,
    });
    files.push({
      name: f.name,
      sha256: r.sha256,
      size: r.size,
      downloaded: r.downloaded,
      resumedFrom: r.resumedFrom,
    });
  }
  const data = await readAuthorsData(dir);
  const warnings = opts.skipWeights ? [] : await checkWeights(join(dir, WEIGHTS_FILE), data);
  return summarize(dir, files, data, warnings);
}

/** Options of {@link importPinterest}. */
export interface ImportPinterestOptions {
  /** Symlink the files instead of copying them. */
  link?: boolean;
  /** Accept a `pos.txt` whose hash differs from the authors' file. */
  allowUnpinned?: boolean;
}

/** Where a file of the layout sits in a user's folder (the weights may also lie at the top). */
async function sourceOf(from: string, f: AuthorsFile): Promise<string | null> {
  for (const candidate of [join(from, f.name), join(from, f.name.split("/").pop()!)]) {
    if (await statOrNull(candidate)) return candidate;
  }
  return null;
}

/**
 * Validates the authors' files in `from` and copies (or links) them into `dir`. `pos.txt`,
 * `neg.txt` and `f_resnet.npy` are required; `best-vbpr.npy` (in `weights/` or at the top)
 * is optional and checked against the dataset's shapes when present. Nothing is written to
 * `dir` unless every file is valid; each copy is written to a temporary name and renamed.
 */
export async function importPinterest(
  from: string,
  dir: string,
  opts: ImportPinterestOptions = {},
): Promise<PinterestSummary> {
  const src = resolve(from);
  const sources = new Map<string, string>();
  for (const f of AUTHORS_FILES) {
    const p = await sourceOf(src, f);
    if (p) sources.set(f.name, p);
    else if (f.required) {
      throw new Error(`${join(src, f.name)} not found (expected the authors' ${f.name})`);
    }
  }
  const posHash = (await hashFile(sources.get("pos.txt")!)).sha256;
  if (posHash !== POS_SHA256 && !opts.allowUnpinned) {
    throw new Error(
      `${
        sources.get("pos.txt")
      }: sha256 ${posHash} differs from the authors' pos.txt (${POS_SHA256}); ` +
        `pass --allow-unpinned to import a different split`,
    );
  }
  // Validate in place, reading the files where they are.
  const staging = await Deno.makeTempDir({ prefix: "amr-import-" });
  try {
    for (const [name, p] of sources) {
      await Deno.mkdir(dirname(join(staging, name)), { recursive: true });
      await Deno.symlink(p, join(staging, name));
    }
    let data: AuthorsData;
    let warnings: string[];
    try {
      data = await readAuthorsData(staging);
      warnings = sources.has(WEIGHTS_FILE)
        ? await checkWeights(join(staging, WEIGHTS_FILE), data)
        : [];
    } catch (e) {
      throw new Error((e as Error).message.replaceAll(staging, src));
    }
    await Deno.mkdir(dir, { recursive: true });
    const lockFile = join(dir, LOCK_FILE_NAME);
    const lock = await readDownloadLock(lockFile);
    const files: FileOutcome[] = [];
    for (const [name, p] of sources) {
      const dest = join(dir, name);
      await Deno.mkdir(dirname(dest), { recursive: true });
      const tmp = `${dest}.${crypto.randomUUID()}.tmp`;
      if (opts.link) await Deno.symlink(p, tmp);
      else await Deno.copyFile(p, tmp);
      await Deno.rename(tmp, dest);
      const sha256 = name === "pos.txt" ? posHash : (await hashFile(p)).sha256;
      const size = (await Deno.stat(p)).size;
      lock[name] = { sha256, size, url: `file://${p}` };
      files.push({ name, sha256, size, downloaded: false, resumedFrom: 0 });
    }
    const tmpLock = `${lockFile}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(tmpLock, JSON.stringify(lock, null, 2) + "\n");
    await Deno.rename(tmpLock, lockFile);
    return summarize(dir, files, data, warnings);
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}
