/**
 * Helpers for engine tests: a toy graph, a temporary store, a runner with quiet output and the
 * CLI run in-process.
 */
import type { Command } from "@commander-js/extra-typings";
import { buildCli } from "../../pipeline/cli/main.ts";
import type { Project } from "../../pipeline/graph/project.ts";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { buildGraph, type Graph } from "../../pipeline/graph/graph.ts";
import { CodeHasher } from "../../pipeline/graph/code_hash.ts";
import { runGraph, type RunOptions, type RunReport } from "../../pipeline/run/runner.ts";
import { Store } from "../../pipeline/store/store.ts";
import { silentProgress } from "../../pipeline/stage/progress.ts";
import type { RuntimeFacts } from "../../pipeline/graph/keys.ts";
import { scale, source, sum } from "./toy_stages.ts";

/** Repository root. */
export const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** Runtime facts used by tests. */
export const RUNTIME: RuntimeFacts = { base: { deno: "test" }, needs: {} };

/** The toy graph source -> scale -> sum with the given params. */
export function toyNodes(
  opts: { n?: number; factor?: number; crash?: boolean; delayMs?: number } = {},
): NodeSpec[] {
  return [
    {
      id: "source",
      stage: source,
      params: { n: opts.n ?? 5, delayMs: opts.delayMs ?? 0 },
      inputs: {},
      seed: 1,
    },
    {
      id: "scale",
      stage: scale,
      params: { factor: opts.factor ?? 2, crash: opts.crash ?? false },
      inputs: { numbers: { node: "source", output: "numbers.txt" } },
      seed: 2,
      publish: { "scaled.txt": "tables/scaled.txt" },
    },
    {
      id: "sum",
      stage: sum,
      params: {},
      inputs: { scaled: { node: "scale", output: "scaled.txt" } },
      seed: 3,
    },
  ];
}

/** A fresh store in a temporary folder. */
export async function tempStore(): Promise<Store> {
  return new Store(await Deno.makeTempDir({ prefix: "amr-store-" }));
}

let sharedHasher: CodeHasher | null = null;

/** A code hasher over the toy stages (loaded once). */
export async function toyHasher(): Promise<CodeHasher> {
  sharedHasher ??= await CodeHasher.load([new URL("./toy_stages.ts", import.meta.url).href], ROOT);
  return sharedHasher;
}

/** Runs a graph quietly. */
export async function run(
  graph: Graph,
  store: Store,
  extra: Partial<RunOptions> = {},
): Promise<RunReport> {
  return await runGraph(graph, null, {
    store,
    hasher: await toyHasher(),
    runtime: RUNTIME,
    log: () => {},
    progress: () => silentProgress,
    ...extra,
  });
}

/** Status of each node in a report, by id. */
export function statuses(report: RunReport): Record<string, string> {
  return Object.fromEntries(report.outcomes.map((o) => [o.id, o.status]));
}

export { buildGraph };

/** Runs a project's CLI in-process; returns what it printed (log and error lines). */
export async function cli(p: Project, args: string[]): Promise<{ out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  const program = buildCli(p);
  for (const c of [program, ...program.commands] as Command[]) {
    c.exitOverride().configureOutput({
      writeErr: (s) => err.push(s),
      writeOut: (s) => out.push(s),
    });
  }
  try {
    await program.parseAsync(args, { from: "user" });
  } finally {
    console.log = log;
    console.error = error;
  }
  return { out: out.join("\n"), err: err.join("\n") };
}
