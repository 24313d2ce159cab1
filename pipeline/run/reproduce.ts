/**
 * Runs a target end to end: the stages it needs, its recorded state and its published results.
 * A run of part of the graph (`reproduce NODE...`) records the state of the nodes it ran beside
 * the others', but publishes nothing unless its selection covers every node that publishes: a
 * results folder always comes from one complete run.
 */
import { CodeHasher } from "../graph/code_hash.ts";
import { buildGraph, closure } from "../graph/graph.ts";
import { selectNodes } from "../graph/select.ts";
import type { Project, Target } from "../graph/project.ts";
import { publishResults } from "./results.ts";
import { runGraph, type RunReport } from "./runner.ts";
import type { Executor } from "./executors/executor.ts";
import type { FuseOptions } from "./fused.ts";
import { recordState } from "../store/state.ts";
import { Store } from "../store/store.ts";
import { gitInfo } from "../graph/git.ts";
import { join } from "node:path";

/** Options of `reproduceTarget`. */
export interface ReproduceOptions {
  /**
   * Node ids, stage names or `*` patterns to build (with their upstream); all nodes when
   * omitted (see `selectNodes`).
   */
  targets?: string[];
  jobs?: number | "auto";
  /** Threads per stage fixed by the user (`--threads`). */
  threads?: number;
  /** Where nodes run (default: the local executor for `jobs`). */
  executor?: Executor;
  force?: boolean | string[];
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Fused groups: `--no-fuse` and `--fuse-max` (default: fused). */
  fuse?: FuseOptions;
}

/** What a reproduction did: the run, its selection and whether it published. */
export interface ReproduceReport extends RunReport {
  /** Node ids the selection named (their upstream ran too); null: the whole graph. */
  selected: string[] | null;
  /** Whether the results folder was written (never in a dry run or a partial run). */
  published: boolean;
  /** Nodes that publish results but lie outside the selection (none: the run is complete). */
  unpublished: string[];
  /** The store's folder (where a partial run's outputs stay). */
  storeDir: string;
}

/** Runs the target's graph, records its state and publishes its results (unless a dry run). */
export async function reproduceTarget(
  p: Project,
  target: Target,
  opts: ReproduceOptions = {},
): Promise<ReproduceReport> {
  const graph = buildGraph(target.nodes);
  const selected = opts.targets ? selectNodes(graph, opts.targets) : null;
  const included = new Set((selected ? closure(graph, selected) : graph.order).map((n) => n.id));
  const unpublished = graph.order.filter((n) => n.publish && !included.has(n.id)).map((n) => n.id);
  const store = new Store(p.artifactsRoot);
  const hasher = await CodeHasher.load([p.entry], p.root);
  const runtime = await p.runtime();
  const costModel = p.costModel;
  const report = await runGraph(graph, selected, {
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
    ...(opts.fuse ? { fuse: opts.fuse } : {}),
    ...(costModel ? { costModel: () => costModel(target) } : {}),
  });
  const publish = !opts.dryRun && unpublished.length === 0;
  if (!opts.dryRun) {
    // Merged into the recorded state: the nodes outside the selection keep their entries.
    const keys: Record<string, string> = {};
    for (const o of report.outcomes) if (o.key) keys[o.id] = o.key;
    await recordState(p.artifactsRoot, target.name, keys);
  }
  if (publish) {
    await publishResults(graph, report, {
      store,
      dir: target.resultsDir,
      meta: { target: target.name, ...target.meta, runtime, git: await gitInfo(p.root) },
    });
  }
  return { ...report, selected, published: publish, unpublished, storeDir: store.dir };
}

/** A selection in a few words: its ids, or the first three and how many there are. */
export function describeSelection(ids: readonly string[]): string {
  return ids.length <= 4
    ? ids.join(", ")
    : `${ids.slice(0, 3).join(", ")}, ... (${ids.length} nodes)`;
}

/** Prints what ran, what was cached and the wall time of each stage. */
export function printReport(report: ReproduceReport, target: Target, dryRun = false): void {
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
  if (report.selected) {
    console.log(
      `selection: ${describeSelection(report.selected)}, with everything upstream ` +
        `(${report.outcomes.length} of ${target.nodes.length} nodes)`,
    );
  }
  if (dryRun) console.log(`dry run: ${would.length} would run, ${cached.length} cached`);
  else {
    console.log(`${ran.length} ran, ${cached.length} cached; total ${report.seconds.toFixed(1)} s`);
    if (report.published) console.log(`results: ${target.resultsDir}`);
    else {
      console.log(
        `partial run: results not published (${report.unpublished.length} publishing node(s) ` +
          `outside the selection; ${target.resultsDir} is left as the last complete run wrote it)`,
      );
      const byId = new Map(report.outcomes.map((o) => [o.id, o]));
      for (const id of report.selected ?? []) {
        const key = byId.get(id)?.key;
        if (key) console.log(`  ${id}: ${join(report.storeDir, key)}`);
      }
    }
  }
}
