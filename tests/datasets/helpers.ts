/**
 * Helpers for the real-data tests: an authors-split folder built around the authors' real
 * `pos.txt` (a generated `neg.txt` and features of matching shape), the CLI run as a
 * subprocess against a temporary artifacts root, and a store-entry count.
 */
import { join } from "node:path";
import { writeNpy } from "../../io/npy.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { authorsPosPath } from "../shared_data.ts";

/** Repository root. */
export const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** The authors' unchanged `pos.txt` (6,618 lines), from `../shared` beside the checkout. */
export const AUTHORS_POS = authorsPosPath() ?? "shared/data/amr-pinterest/pos.txt (missing)";

/** Pinterest's item count (rows of `f_resnet.npy`). */
export const PINTEREST_ITEMS = 4998;

/** Options of {@link writeAuthorsFolder}. */
export interface AuthorsFolderOptions {
  /** `pos.txt` to copy (default: the authors' file). */
  pos?: string;
  /** Items (feature rows). */
  items?: number;
  /** Feature dimension. */
  dim?: number;
  /** Negatives per `neg.txt` row. */
  negatives?: number;
  /** Seed of the generated test items, negatives and features. */
  seed?: number;
}

/**
 * Writes `pos.txt`, a generated `neg.txt` (per user: a test item outside the user's training
 * items, then distinct negatives outside both) and `f_resnet.npy` (float32 `[items, dim]`)
 * into `dir`. Returns the number of users.
 */
export async function writeAuthorsFolder(
  dir: string,
  opts: AuthorsFolderOptions = {},
): Promise<number> {
  const items = opts.items ?? PINTEREST_ITEMS;
  const dim = opts.dim ?? 64;
  const count = opts.negatives ?? 999;
  const rng = new Rng(opts.seed ?? 5);
  await Deno.mkdir(dir, { recursive: true });
  const posText = await Deno.readTextFile(opts.pos ?? AUTHORS_POS);
  await Deno.writeTextFile(join(dir, "pos.txt"), posText);
  const own: Set<number>[] = [];
  for (const line of posText.split("\n")) {
    const t = line.trim().split(/\s+/);
    if (t.length !== 2) continue;
    const u = Number(t[0]);
    while (own.length <= u) own.push(new Set());
    own[u].add(Number(t[1]));
  }
  const rows: string[] = [];
  for (const s of own) {
    const taken = new Set(s);
    const row: number[] = [];
    while (row.length < 1 + count) {
      const i = rng.int(items);
      if (taken.has(i)) continue;
      taken.add(i);
      row.push(i);
    }
    rows.push(row.join(" "));
  }
  await Deno.writeTextFile(join(dir, "neg.txt"), rows.join("\n") + "\n");
  const f = new Float32Array(items * dim);
  for (let k = 0; k < f.length; k++) f[k] = Math.max(0, rng.random() * 4 - 2);
  await writeNpy(join(dir, "f_resnet.npy"), { dtype: "float32", shape: [items, dim], data: f });
  return own.length;
}

/** Writes an authors-split dataset config for `dir` and returns its path. */
export async function writeAuthorsConfig(
  path: string,
  dir: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  await Deno.writeTextFile(
    path,
    JSON.stringify({ kind: "authors-split", name: "pinterest-test", dir, ...extra }, null, 2),
  );
  return path;
}

/** Result of a CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main.ts` with `args` and `AMR_ARTIFACTS=artifacts`. */
export async function runCli(
  args: string[],
  artifacts: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--max-old-space-size=4096", join(ROOT, "main.ts"), ...args],
    env: { AMR_ARTIFACTS: artifacts, CI: "1", ...env },
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Store entries (committed keys) under an artifacts root. */
export function storeEntries(artifacts: string): string[] {
  try {
    return [...Deno.readDirSync(join(artifacts, "store"))]
      .filter((e) => e.isDirectory && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Throws `msg` unless `cond`. */
export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

/** Throws unless `text` contains every part. */
export function assertIncludes(text: string, ...parts: string[]): void {
  for (const p of parts) assert(text.includes(p), `expected '${p}' in:\n${text}`);
}

/** Options of {@link writeTinyAuthors}. */
export interface TinyAuthorsOptions {
  /** Replaces `pos.txt`. */
  pos?: string;
  /** Replaces `neg.txt`. */
  neg?: string;
  /** Copies this weights file to `weights/best-vbpr.npy`. */
  weights?: string;
}

/**
 * A tiny authors-split folder whose shapes match the pickled weights fixture
 * (`tests/fixtures/pickled_weights_py3.npy`: P 5 x 4, Q 6 x 4, E^T 3 x 4): 5 users, 6 items,
 * D = 3, 2 negatives per `neg.txt` row. Returns the config (negatives 2) for it.
 */
export async function writeTinyAuthors(
  dir: string,
  opts: TinyAuthorsOptions = {},
): Promise<Record<string, unknown>> {
  await Deno.mkdir(join(dir, "weights"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "pos.txt"),
    opts.pos ?? "0 0\n0 1\n1 1\n1 2\n2 2\n2 3\n3 3\n3 4\n4 4\n4 0\n0 0\n",
  );
  await Deno.writeTextFile(join(dir, "neg.txt"), opts.neg ?? "2 3 4\n3 4 5\n4 5 0\n5 0 1\n1 2 3\n");
  const f = new Float32Array(18);
  for (let k = 0; k < f.length; k++) f[k] = ((k * 7) % 11) / 5;
  await writeNpy(join(dir, "f_resnet.npy"), { dtype: "float32", shape: [6, 3], data: f });
  if (opts.weights) await Deno.copyFile(opts.weights, join(dir, "weights", "best-vbpr.npy"));
  return { kind: "authors-split", name: "tiny", dir, negatives: 2 };
}

/** Stage names of the committed store entries under an artifacts root. */
export async function storeStages(artifacts: string): Promise<string[]> {
  const out: string[] = [];
  for (const key of storeEntries(artifacts)) {
    const m = JSON.parse(await Deno.readTextFile(join(artifacts, "store", key, "manifest.json")));
    out.push(m.stage as string);
  }
  return out.sort();
}
