/**
 * Helpers for the reliability drills: run the real CLI (`main.ts`) in a temporary artifacts
 * root, stream its stderr, and read the store it leaves.
 */
import { join } from "node:path";

/** The CLI entry point. */
export const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The smoke target every drill runs. */
export const SMOKE = ["--profile", "smoke", "--dataset", "smoke"];

/** The result of a finished CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment of a drill run: its artifacts root, plain progress, plus `extra`. */
export function drillEnv(root: string, extra: Record<string, string> = {}): Record<string, string> {
  return { AMR_ARTIFACTS: root, CI: "true", NO_COLOR: "1", ...extra };
}

/** Runs the CLI to completion. */
export async function amr(
  root: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    env: drillEnv(root, env),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A CLI run in progress whose stderr is collected as it comes. */
export interface LiveRun {
  child: Deno.ChildProcess;
  /** Stderr so far. */
  stderr(): string;
  /** Resolves when stderr matches `re` (rejects when the process ends first). */
  waitFor(re: RegExp): Promise<void>;
  /** Waits for the exit; returns the code and all output. */
  done(): Promise<CliResult>;
}

/** Starts the CLI and streams its stderr. */
export function startAmr(
  root: string,
  args: string[],
  env: Record<string, string> = {},
): LiveRun {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    env: drillEnv(root, env),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let err = "";
  let ended = false;
  const dec = new TextDecoder();
  const pump = (async () => {
    for await (const chunk of child.stderr) err += dec.decode(chunk, { stream: true });
    ended = true;
  })();
  const stdout = new Response(child.stdout).text();
  return {
    child,
    stderr: () => err,
    async waitFor(re: RegExp) {
      while (!re.test(err)) {
        if (ended) throw new Error(`process ended before ${re}:\n${err}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async done() {
      const status = await child.status;
      await pump;
      return { code: status.code, stdout: await stdout, stderr: err };
    },
  };
}

/** A manifest as the drills read it. */
export interface EntryInfo {
  key: string;
  node: string;
  outputs: Record<string, { sha256: string; size: number }>;
  /** Wall time the stage took. */
  durationMs: number;
}

/** The committed entries of an artifacts root. */
export function entries(root: string): EntryInfo[] {
  const dir = join(root, "store");
  const out: EntryInfo[] = [];
  let list: Deno.DirEntry[] = [];
  try {
    list = [...Deno.readDirSync(dir)];
  } catch {
    return out;
  }
  for (const e of list) {
    if (!e.isDirectory || !/^[0-9a-f]{64}$/.test(e.name)) continue;
    const m = JSON.parse(Deno.readTextFileSync(join(dir, e.name, "manifest.json")));
    out.push({ key: m.key, node: m.node, outputs: m.outputs, durationMs: m.durationMs });
  }
  return out;
}

/** The entry of node `id` (the only one, or the newest when `key` is not given). */
export function entryOf(root: string, id: string): EntryInfo {
  const found = entries(root).filter((e) => e.node === id);
  if (found.length !== 1) throw new Error(`expected one entry of ${id}, found ${found.length}`);
  return found[0];
}

/** Files in a folder (empty when the folder does not exist). */
export function listDir(path: string): string[] {
  try {
    return [...Deno.readDirSync(path)].map((e) => e.name).sort();
  } catch {
    return [];
  }
}
