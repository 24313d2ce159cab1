/**
 * What the engine needs from a project: where its artifacts live, how to turn a dataset and a
 * profile into a graph, and the runtime facts that change results. The engine knows nothing else.
 */
import type { Command } from "@commander-js/extra-typings";
import type { NodeSpec } from "./graph.ts";
import type { RuntimeFacts } from "./keys.ts";
import type { ToleranceOptions } from "./check.ts";

/** A resolved target: a named graph and where its results go. */
export interface Target {
  /** Stable name, e.g. "synthetic-pinterest/default" (names its state file). */
  name: string;
  nodes: NodeSpec[];
  /** Folder for the human-facing outputs and `provenance.json`. */
  resultsDir: string;
  /** Extra facts written into `provenance.json` (dataset, profile, ...). */
  meta: Record<string, unknown>;
}

/** Options that select a target. */
export interface TargetOptions {
  dataset?: string;
  dataDir?: string;
  profile: string;
  /** Project-defined starting point of the final model (e.g. `official-vbpr`); default none. */
  init?: string;
}

/** What a project provides for the `check` command. */
export interface CheckSupport {
  /** The metrics of the target's last run (e.g. read from its published results). */
  metrics(target: Target): Promise<Record<string, number>>;
  /** The expectations file of a target. */
  expectationsFile(target: Target): string;
  /** Tolerances `check --update` writes for a metric new to the file. */
  tolerance(name: string): ToleranceOptions;
}

/** The project behind the CLI. */
export interface Project {
  /** Tool name shown in help. */
  name: string;
  /** Repository root (module paths in fingerprints are relative to it). */
  root: string;
  /** Artifacts root (holds `store/`, `state/`, `results/`). */
  artifactsRoot: string;
  /** Module URL whose import graph covers every stage (for `deno info`). */
  entry: string;
  /** Profiles offered by `--profile`. */
  profiles: string[];
  /** Default dataset name. */
  defaultDataset: string;
  /** Runtime facts for cache keys. */
  runtime(): Promise<RuntimeFacts>;
  /** Builds the graph for a dataset and profile. */
  resolveTarget(opts: TargetOptions): Promise<Target>;
  /** Metrics and expectations for `check` (absent: the command reports it is unsupported). */
  check?: CheckSupport;
  /** Adds project commands (e.g. `data`) to the CLI. */
  extend?(program: Command): void;
  /**
   * Environment variable through which `reproduce --threads N` reaches the stages (threads of
   * the numeric kernels per stage; not in cache keys, so they must not change results).
   * Absent: no `--threads` option.
   */
  threadsEnv?: string;
}
