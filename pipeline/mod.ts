/**
 * The engine's public surface: what a project needs to declare stages, describe itself and run
 * the CLI. A project's composition root and commands import the engine through this module.
 *
 * Stage modules (and whatever they import) import the narrow modules instead (`stage.ts`,
 * `rng.ts`, `progress.ts`, `graph.ts`, `manifest.ts`): a stage's cache key fingerprints every
 * local module it imports, so importing this file from a stage would tie the stage's key to
 * the whole engine, CLI included (tests/architecture_test.ts enforces this).
 */
export { defineStage, type Stage, type StageContext, type StageInputs } from "./stage/stage.ts";
export type { RuntimeNeed } from "./stage/stage.ts";
export type { InputRef, NodeSpec } from "./stage/node.ts";
export { Rng, type RngState } from "./stage/rng.ts";
export {
  type CheckpointData,
  type Checkpointer,
  type CheckpointPolicy,
  NO_CHECKPOINTS,
} from "./stage/checkpoint.ts";
export { createProgress, type Progress, silentProgress } from "./stage/progress.ts";
export type { Manifest } from "./stage/manifest.ts";
export type {
  CheckSupport,
  Project,
  Target,
  TargetOption,
  TargetOptions,
} from "./graph/project.ts";
export type { RuntimeFacts } from "./graph/keys.ts";
export type { ToleranceOptions } from "./graph/project.ts";
export { buildCli, main } from "./cli/main.ts";
export { withInterrupt } from "./cli/interrupt.ts";
export { printReport, type ReproduceOptions, reproduceTarget } from "./run/reproduce.ts";
export { buildGraph, closure, type Graph, GraphError } from "./graph/graph.ts";
export {
  RunCancelled,
  runGraph,
  type RunOptions,
  type RunReport,
  StageError,
} from "./run/runner.ts";
export { Store } from "./store/store.ts";
export { readState } from "./store/state.ts";
export { freshKeys, targetFreshKeys } from "./graph/status.ts";
export { CodeHasher } from "./graph/code_hash.ts";
export { externalFileHash } from "./graph/external_files.ts";
export { canonicalJson, hashFile, sha256 } from "./stage/hash.ts";
export { toTargetOptions, userCwd, userPath, withTargetOptions } from "./cli/options.ts";
