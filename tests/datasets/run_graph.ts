/**
 * Runs a planned graph in-process against a temporary artifacts root (no CLI start-up), with
 * the project's code fingerprints and runtime facts.
 */
import { join } from "node:path";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { buildGraph } from "../../pipeline/graph/graph.ts";
import { CodeHasher } from "../../pipeline/graph/code_hash.ts";
import { runGraph, type RunReport } from "../../pipeline/run/runner.ts";
import { Store } from "../../pipeline/store/store.ts";
import { silentProgress } from "../../pipeline/stage/progress.ts";
import { runtimeFacts } from "../../amr.ts";
import { ROOT } from "./helpers.ts";

let hasher: CodeHasher | null = null;

/** Runs `nodes` (or only `targets` and their ancestors) quietly; rejects when a stage fails. */
export async function runNodes(
  nodes: NodeSpec[],
  artifacts: string,
  targets: string[] | null = null,
): Promise<RunReport> {
  hasher ??= await CodeHasher.load([new URL(`file://${join(ROOT, "main.ts")}`).href], ROOT);
  return await runGraph(buildGraph(nodes), targets, {
    store: new Store(artifacts),
    hasher,
    runtime: await runtimeFacts(),
    log: () => {},
    progress: () => silentProgress,
  });
}
