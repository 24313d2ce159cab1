/**
 * The engine's public surface for a project: what its composition root, planner and commands
 * need to describe themselves, build graphs and run the CLI.
 *
 * Stage modules (and every module they use) import `stage/mod.ts` instead: a
 * stage's cache key fingerprints every local module it imports, and this module reaches the
 * whole engine, CLI included (docs/architecture.md's table forbids it below the planner).
 *
 * @module
 */
export * from "./stage/mod.ts";
export type {
  CheckSupport,
  Project,
  Target,
  TargetOption,
  TargetOptions,
} from "./graph/project.ts";
export type { ToleranceOptions } from "./graph/project.ts";
export type { RuntimeFacts } from "./graph/keys.ts";
export type { CostModel, NodeCost } from "./graph/estimate.ts";
export { buildGraph, closure, type Graph, GraphError, type GraphNode } from "./graph/graph.ts";
export { freshKeys, type FreshOutput, readFreshOutputs, targetFreshKeys } from "./graph/status.ts";
export { CodeHasher } from "./graph/code_hash.ts";
export { externalFileHash } from "./graph/external_files.ts";
export { Store } from "./store/store.ts";
export { readState } from "./store/state.ts";
export { CorruptEntry } from "./store/entry.ts";
export {
  printReport,
  type ReproduceOptions,
  type ReproduceReport,
  reproduceTarget,
} from "./run/reproduce.ts";
export { selectGraph, selectNodes } from "./graph/select.ts";
export {
  RunCancelled,
  runGraph,
  type RunOptions,
  type RunReport,
  StageError,
} from "./run/runner.ts";
export { buildCli, main } from "./cli/main.ts";
export { withInterrupt } from "./cli/interrupt.ts";
export { toTargetOptions, userCwd, userPath, withTargetOptions } from "./cli/options.ts";
