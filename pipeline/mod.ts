/**
 * The engine's public surface: what a project needs to declare stages, describe itself and run
 * the CLI. A project's composition root and commands import the engine through this module.
 *
 * Stage modules (and whatever they import) import the narrow modules instead (`stage.ts`,
 * `rng.ts`, `progress.ts`, `graph.ts`, `manifest.ts`): a stage's cache key fingerprints every
 * local module it imports, so importing this file from a stage would tie the stage's key to
 * the whole engine, CLI included (tests/architecture_test.ts enforces this).
 */
export { defineStage, type Stage, type StageContext, type StageInputs } from "./stage.ts";
export type { RuntimeNeed } from "./stage.ts";
export type { InputRef, NodeSpec } from "./graph.ts";
export { Rng, type RngState } from "./rng.ts";
export {
  type CheckpointData,
  type Checkpointer,
  type CheckpointPolicy,
  NO_CHECKPOINTS,
} from "./checkpoint.ts";
export { createProgress, type Progress, silentProgress } from "./progress.ts";
export type { Manifest } from "./manifest.ts";
export type { CheckSupport, Project, Target, TargetOption, TargetOptions } from "./project.ts";
export type { RuntimeFacts } from "./keys.ts";
export type { ToleranceOptions } from "./check.ts";
export { buildCli, main, withInterrupt } from "./cli.ts";
export { printReport, type ReproduceOptions, reproduceTarget } from "./reproduce.ts";
export { buildGraph, closure, type Graph, GraphError } from "./dag.ts";
export { RunCancelled, runGraph, type RunOptions, type RunReport, StageError } from "./runner.ts";
export { Store } from "./store.ts";
export { readState } from "./state.ts";
export { freshKeys, targetFreshKeys } from "./status.ts";
export { CodeHasher } from "./code_hash.ts";
export { externalFileHash } from "./external_files.ts";
export { canonicalJson, hashFile, sha256 } from "./hash.ts";
export { toTargetOptions, userCwd, userPath, withTargetOptions } from "./cli_options.ts";
