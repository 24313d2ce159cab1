/**
 * What the engine needs from a project: its name and help text, the command-line options that
 * select a target, how to turn their values into a graph, where its artifacts live and the
 * runtime facts that change results. The engine knows nothing else about the project.
 */
import type { Command } from "@commander-js/extra-typings";
import type { NodeSpec } from "../stage/node.ts";
import type { RuntimeFacts } from "./keys.ts";
import type { CostModel } from "./estimate.ts";

/** Tolerances of one metric, as a project proposes them for a new expectation. */
export interface ToleranceOptions {
  /** Absolute tolerance. */
  readonly abs?: number;
  /** Relative tolerance (fraction of the value). */
  readonly rel?: number;
}

/** A resolved target: a named graph and where its results go. */
export interface Target {
  /** Stable name (names its state file). */
  name: string;
  nodes: NodeSpec[];
  /** Folder for the human-facing outputs and `provenance.json`. */
  resultsDir: string;
  /** Extra facts written into `provenance.json`. */
  meta: Record<string, unknown>;
  /**
   * The target this one varies (e.g. the same selection without command-line overrides): `status`
   * explains a node this target never ran by comparing with that target's recorded entry.
   */
  derivedFrom?: string;
}

/**
 * A command-line option that selects a target. Every target command (`reproduce`, `status`,
 * `dag`, `check`) offers it; its value reaches `resolveTarget` under `name`.
 */
export interface TargetOption {
  /** Key of the value in {@link TargetOptions}. */
  name: string;
  /** Commander flag syntax with its argument, e.g. `--input <path>`. */
  flag: string;
  /** Help text. */
  description: string;
  /** Value when the option is not given (absent: undefined). */
  default?: string;
  /** Allowed values (absent: any). */
  choices?: readonly string[];
  /** May be given several times; its value is then the list of values in order. */
  repeatable?: boolean;
  /**
   * The values an untrusted source (a bundle's `bundle.json`, for `reproduce --compare-bundle`)
   * may give, each matched whole and checked before any target is resolved. Absent (and no
   * `choices`): such a source may not give this option; the user gives it on the command line.
   * Keep paths out of it: a bundle must never name a file to read.
   */
  pattern?: RegExp;
}

/** The values of a project's target options, by {@link TargetOption.name}. */
export type TargetOptions = Record<string, string | string[] | undefined>;

/** What a project provides for the `check` command. */
export interface CheckSupport {
  /** Help line of the `check` command (says where the expectations live). */
  description: string;
  /** The metrics of the target's last run (e.g. read from its published results). */
  metrics(target: Target): Promise<Record<string, number>>;
  /**
   * The metrics of a published results folder (a run's, or one unpacked from a bundle); rejects
   * with `Deno.errors.NotFound` when the folder has none (`runs` then shows the run without).
   */
  resultsMetrics(resultsDir: string): Promise<Record<string, number>>;
  /**
   * Named reference values `diff` can compare with (e.g. `published`), given the `provenance.json`
   * facts of the run on the other side; null when there are none for that run.
   */
  references?: Record<string, (meta: Record<string, unknown>) => Record<string, number> | null>;
  /** Metrics `runs` shows for each run (e.g. the headline numbers). */
  summary?: readonly string[];
  /** The expectations file of a target. */
  expectationsFile(target: Target): string;
  /** Tolerances `check --update` writes for a metric new to the file. */
  tolerance(name: string): ToleranceOptions;
  /**
   * Per-seed values of every metric of a target run with several seeds (`check --calibrate`),
   * and the seeds. Absent: no `--calibrate`.
   */
  seedMetrics?(target: Target): Promise<{ seeds: number[]; metrics: Record<string, number[]> }>;
}

/** The project behind the CLI. */
export interface Project {
  /** Tool name shown in help (also names the `dag --format dot` graph). */
  name: string;
  /** One-line description of the tool shown in help. */
  description: string;
  /** Repository root (module paths in fingerprints are relative to it). */
  root: string;
  /** Artifacts root (holds `store/`, `state/`, `results/`). */
  artifactsRoot: string;
  /** Module URL whose import graph covers every stage (for `deno info`). */
  entry: string;
  /** Options that select a target, in help order. */
  targetOptions: readonly TargetOption[];
  /** Builds the graph for the values of the target options (validates their combination). */
  resolveTarget(opts: TargetOptions): Promise<Target>;
  /**
   * Runtime facts for cache keys: `needs` must hold an entry for every name a stage lists in
   * its `runtime`.
   */
  runtime(): Promise<RuntimeFacts>;
  /** Metrics and expectations for `check` (absent: no `check` command). */
  check?: CheckSupport;
  /** Adds project commands to the CLI. */
  extend?(program: Command): void;
  /**
   * Environment variable through which `reproduce --threads N` reaches the stages (threads of
   * the numeric kernels per stage; not in cache keys, so they must not change results).
   * Absent: no `--threads` option.
   */
  threadsEnv?: string;
  /**
   * Prices the target's nodes for `reproduce --dry-run --estimate`, from measurements on this
   * machine (absent: no `--estimate`).
   */
  costModel?(target: Target): Promise<CostModel>;
  /** Folder of executor configs: `--executor <name>` reads `<name>.json` there. */
  executorConfigDir?: string;
  /**
   * Command that runs this CLI on a cluster node, before `run-node <key>` (default: this
   * Deno with `--allow-all` and the running main module).
   */
  jobCommand?: string[];
  /** Environment variable that, when set, makes the CLI print stack traces with errors. */
  debugEnv?: string;
  /**
   * Stages cheap enough that `verify --bundle`, inside the checkout, always reruns them from
   * their bundled inputs and compares the bytes (the derived results: tables, metrics, claims).
   * Absent: none; `--rerun` and `--rerun-stage` still rerun stages on request.
   */
  recheck?: readonly string[];
  /** Environment variable naming the default remote of `push`, `pull` and `reproduce --pull`. */
  remoteEnv?: string;
}
