/**
 * Runs a target end to end: the stages it needs, its recorded state and its published results.
 */
import { CodeHasher } from "../graph/code_hash.ts";
import { buildGraph } from "../graph/graph.ts";
import type { Project, Target } from "../graph/project.ts";
import { publishResults } from "./results.ts";
import { runGraph, type RunReport } from "./runner.ts";
import type { Executor } from "./executors/executor.ts";
import { recordState } from "../store/state.ts";
import { Store } from "../store/store.ts";
import { gitInfo } from "../graph/git.ts";

/** Options of `reproduceTarget`. */
export interface ReproduceOptions {
  /** Node ids to build (with their ancestors); all nodes when omitted. */
  targets?: string[];
  jobs?: number | "auto";
  /** Threads per stage fixed by the user (`--threads`). */
  threads?: number;
  /** Where nodes run (default: the local executor for `jobs`). */
  executor?: Executor;
  force?: boolean | string[];
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** Runs the target's graph, records its state and publishes its results (unless a dry run). */
export async function reproduceTarget(
  p: Project,
  target: Target,
  opts: ReproduceOptions = {},
): Promise<RunReport> {
  const graph = buildGraph(target.nodes);
  const store = new Store(p.artifactsRoot);
  const hasher = await CodeHasher.load([p.entry], p.root);
  const runtime = await p.runtime();
  const report = await runGraph(graph, opts.targets ?? null, {
    store,
    hasher,
    runtime,
    jobs: opts.jobs,
    threads: opts.threads,
    threadsEnv: p.threadsEnv,
    executor: opts.executor,
    force: opts.force,
    dryRun: opts.dryRun,
    signal: opts.signal,
  });
  if (!opts.dryRun) {
    const keys: Record<string, string> = {};
    for (const o of report.outcomes) if (o.key) keys[o.id] = o.key;
    await recordState(p.artifactsRoot, target.name, keys);
    await publishResults(graph, report, {
      store,
      dir: target.resultsDir,
      meta: { target: target.name, ...target.meta, runtime, git: await gitInfo(p.root) },
    });
  }
  return report;
}

/** Prints what ran, what was cached and the wall time of each stage. */
export function printReport(report: RunReport, target: Target, dryRun = false): void {
  const ran = report.outcomes.filter((o) => o.status === "ran");
  const cached = report.outcomes.filter((o) => o.status === "cached");
  const would = report.outcomes.filter((o) => o.status === "would-run");
  console.log(`target ${target.name}`);
  const width = Math.max(...report.outcomes.map((o) => o.id.length), 4);
  for (const o of report.outcomes) {
    const what = o.status === "ran"
      ? `ran     ${o.seconds.toFixed(1).padStart(7)} s`
      : o.status === "cached"
      ? "cached"
      : `would run (${o.reason})`;
    console.log(`  ${o.id.padEnd(width)}  ${what}`);
  }
  if (dryRun) console.log(`dry run: ${would.length} would run, ${cached.length} cached`);
  else {
    console.log(`${ran.length} ran, ${cached.length} cached; total ${report.seconds.toFixed(1)} s`);
    console.log(`results: ${target.resultsDir}`);
  }
}
