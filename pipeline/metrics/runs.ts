/**
 * Published runs: every results folder under `<artifacts>/results/` with a `provenance.json`
 * (written by `reproduce`), newest first, and whether the store still holds their entries.
 */
import { join, relative } from "node:path";
import { statOrNull } from "../stage/absent.ts";
import type { Store } from "../store/store.ts";

/** One published run. */
export interface PublishedRun {
  /** Results folder. */
  dir: string;
  /** Folder relative to the results root (e.g. `smoke/smoke`). */
  path: string;
  /** Target name. */
  target: string;
  /** When the results were published. */
  date: string;
  /** The run's facts from `provenance.json` (project meta, runtime, git). */
  meta: Record<string, unknown>;
  /** Store entries behind the published files: how many, and how many are still present. */
  entries: number;
  present: number;
}

interface Provenance {
  target?: string;
  generatedAt?: string;
  items?: Record<string, { key: string }>;
  [k: string]: unknown;
}

async function findProvenance(dir: string, depth: number, out: string[]): Promise<void> {
  let list: Deno.DirEntry[];
  try {
    list = await Array.fromAsync(Deno.readDir(dir));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (list.some((e) => e.isFile && e.name === "provenance.json")) out.push(dir);
  if (depth === 0) return;
  for (const e of list) if (e.isDirectory) await findProvenance(join(dir, e.name), depth - 1, out);
}

/** Reads a results folder's `provenance.json`; throws naming the file when it is unreadable. */
export async function readProvenance(dir: string): Promise<Provenance> {
  const path = join(dir, "provenance.json");
  try {
    return JSON.parse(await Deno.readTextFile(path)) as Provenance;
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** Every published run under the store's root, newest first. */
export async function listRuns(store: Store): Promise<PublishedRun[]> {
  const root = join(store.root, "results");
  const dirs: string[] = [];
  await findProvenance(root, 4, dirs);
  const runs: PublishedRun[] = [];
  for (const dir of dirs) {
    const prov = await readProvenance(dir);
    const keys = [...new Set(Object.values(prov.items ?? {}).map((i) => i.key))];
    let present = 0;
    for (const k of keys) {
      // An entry without its manifest was removed by gc.
      if (await statOrNull(join(store.entryDir(k), "manifest.json"))) present++;
    }
    const { target, generatedAt, items: _items, ...meta } = prov;
    runs.push({
      dir,
      path: relative(root, dir),
      target: target ?? relative(root, dir),
      date: generatedAt ?? "",
      meta,
      entries: keys.length,
      present,
    });
  }
  return runs.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
}
