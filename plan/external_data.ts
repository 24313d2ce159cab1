/**
 * Dataset configs that read files outside the store (`data-dir`, `authors-split`): resolves
 * their folder to an absolute path and puts the SHA-256 of every file the dataset stage reads
 * into the config's `hashes`, so that the stage's params (and its cache key) change when a file
 * changes. Hashes are cached by path, size and mtime (`pipeline/graph/external_files.ts`).
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { externalFileHash, statOrNull } from "../pipeline/mod.ts";
import type { DatasetConfig } from "../config/dataset.ts";

/** How to get the authors' files, for error messages. */
export const FETCH_HINT =
  'fetch them with "deno task amr data fetch pinterest", or place them by hand with ' +
  '"deno task amr data import pinterest --from DIR"';

/** Folder of an authors-split config: absolute, or relative to `<artifacts>/data/`. */
export function authorsDir(dir: string, artifactsRoot: string): string {
  return isAbsolute(dir) ? dir : resolve(join(artifactsRoot, "data", dir));
}

async function isFile(path: string): Promise<boolean> {
  return (await statOrNull(path))?.isFile ?? false;
}

/** The files (relative names) a dataset config reads from its folder. */
export async function externalFilesOf(cfg: DatasetConfig, dir: string): Promise<string[]> {
  if (cfg.kind === "authors-split") return ["pos.txt", "neg.txt", cfg.features];
  if (cfg.kind === "data-dir") {
    const table = (await isFile(join(dir, "interactions.csv")))
      ? "interactions.csv"
      : "interactions.tsv";
    return [table, "features.npy"];
  }
  return [];
}

/**
 * Returns the config with an absolute `dir` and `hashes` filled in (synthetic configs are
 * returned unchanged). A missing file is an error naming it (and, for the authors' layout,
 * how to fetch or import the files).
 */
export async function withExternalHashes(
  cfg: DatasetConfig,
  artifactsRoot: string,
): Promise<DatasetConfig> {
  if (cfg.kind === "synthetic") return cfg;
  const dir = cfg.kind === "authors-split" ? authorsDir(cfg.dir, artifactsRoot) : resolve(cfg.dir);
  const hashes: Record<string, string> = {};
  for (const name of await externalFilesOf(cfg, dir)) {
    const path = join(dir, name);
    if (!(await isFile(path))) {
      const hint = cfg.kind === "authors-split" ? `; ${FETCH_HINT}` : "";
      throw new Error(`dataset ${cfg.name}: ${path} not found${hint}`);
    }
    hashes[name] = await externalFileHash(path, artifactsRoot);
  }
  return { ...cfg, dir, hashes };
}
