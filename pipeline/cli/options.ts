/**
 * Command-line plumbing shared by the engine's commands: the project's target options on a
 * command, their parsed values, the target they select, integer flags, and paths the user typed
 * (relative to where they ran the tool).
 */
import { type Command, Option } from "@commander-js/extra-typings";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import type { Project, Target, TargetOptions } from "../graph/project.ts";
import { buildGraph, type Graph } from "../graph/graph.ts";
import { CodeHasher } from "../graph/code_hash.ts";
import { Store } from "../store/store.ts";

/** Commander options for a project's target options (fresh objects: one per command). */
export function targetOptions(p: Project): Option[] {
  return p.targetOptions.map((t) => {
    const o = new Option(t.flag, t.description);
    if (t.choices) o.choices(t.choices);
    if (t.default !== undefined) o.default(t.default);
    if (t.repeatable) o.argParser((v: string, acc: string[] | undefined) => [...(acc ?? []), v]);
    return o;
  });
}

/** Adds the project's target options to a command. */
export function withTargetOptions<C extends Command<[], Record<string, unknown>>>(
  p: Project,
  cmd: C,
): C {
  for (const o of targetOptions(p)) cmd.addOption(o);
  return cmd;
}

/** Reads the target options' values from a command's parsed options. */
export function toTargetOptions(p: Project, parsed: Record<string, unknown>): TargetOptions {
  const opts = targetOptions(p);
  return Object.fromEntries(p.targetOptions.map((t, i) => {
    const v = parsed[opts[i].attributeName()];
    if (v === undefined) return [t.name, undefined];
    return [t.name, Array.isArray(v) ? v.map(String) : String(v)];
  }));
}

/**
 * The folder the user ran the tool from. `deno task` runs the entry module in its own folder and
 * passes the caller's folder as INIT_CWD; a process started some other way may inherit a stale
 * INIT_CWD, so it counts only while the working folder is the entry module's.
 */
export function userCwd(): string {
  const cwd = Deno.cwd();
  const init = Deno.env.get("INIT_CWD");
  const entryDir = dirname(fromFileUrl(Deno.mainModule));
  return init && cwd === entryDir ? init : cwd;
}

/** A path the user typed, made absolute against {@link userCwd}. */
export function userPath(path: string): string {
  return isAbsolute(path) ? path : resolve(userCwd(), path);
}

/** The target the parsed options select, its graph, the project's store and code hasher. */
export async function loadTarget(
  p: Project,
  f: Record<string, unknown>,
): Promise<{ target: Target; graph: Graph; store: Store; hasher: CodeHasher }> {
  const target = await p.resolveTarget(toTargetOptions(p, f));
  const graph = buildGraph(target.nodes);
  const store = new Store(p.artifactsRoot);
  const hasher = await CodeHasher.load([p.entry], p.root);
  return { target, graph, store, hasher };
}

/** Parses a flag's value as an integer >= 0, naming the flag when it is not. */
export function nonNegativeInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`${flag} expects a non-negative integer, got "${v}"`);
  }
  return n;
}

/** Parses a flag's value as an integer >= 1, naming the flag when it is not. */
export function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${flag} expects a positive integer, got "${v}"`);
  }
  return n;
}
