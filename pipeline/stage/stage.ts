/**
 * The stage contract: what a stage declares and what it receives when it runs.
 *
 * A stage module exports one `Stage` (by convention `export const stage = defineStage({...})`).
 * The engine knows nothing about recommenders: it validates params with the stage's zod schema,
 * resolves each declared input to a file of an upstream stage's output, and hands `run` a fresh
 * temporary output folder that it renames into the store only after `run` returns.
 */
import type { z } from "zod";
import type { Rng } from "./rng.ts";
import type { Progress } from "./progress.ts";
import type { Manifest } from "./manifest.ts";
import type { Checkpointer } from "./checkpoint.ts";

/** Files a stage reads: input name -> absolute path of an upstream output file. */
export type StageInputs = Record<string, string>;

/** Everything a stage's `run` receives. */
export interface StageContext<P> {
  /** Parameters, already validated by the stage's schema. */
  params: P;
  /** Absolute paths of the input files, by input name. */
  inputs: StageInputs;
  /** Empty folder to write the declared outputs into (a temporary folder inside the store). */
  outDir: string;
  /** Seeded generator; its seed is recorded in the manifest. */
  rng: Rng;
  /** Progress reporter (a bar on a TTY, plain lines otherwise). */
  progress: Progress;
  /** Aborted on Ctrl-C or when a sibling stage fails; long loops should check it. */
  signal: AbortSignal;
  /** Free-form log line, prefixed with the node id. */
  log: (message: string) => void;
  /**
   * Checkpoints of this node key (see `pipeline/stage/checkpoint.ts` and docs/reliability.md): a long
   * stage loads the state of an interrupted run, asks `due(epoch)` after each unit of work and
   * saves what it needs to continue bit-identically. The engine deletes it when the entry commits.
   */
  checkpoint: Checkpointer;
  /**
   * The manifests of the store entries that produced the inputs, by input name (read-only);
   * set only for stages that declare `inputManifests: true` (e.g. a report's provenance).
   * They are not part of the cache key: a rerun upstream that writes identical bytes keeps the
   * old manifests here.
   */
  inputManifests?: Readonly<Record<string, Readonly<Manifest>>>;
}

/**
 * Name of a runtime fact group that changes a stage's results and therefore its cache key
 * (e.g. a numeric library's version and backend). The project defines the names and supplies
 * their facts (`Project.runtime`).
 */
export type RuntimeNeed = string;

/** A stage declaration. */
export interface Stage<S extends z.ZodType = z.ZodType> {
  /** Stage kind, e.g. "split". Several graph nodes may use one stage with different params. */
  name: string;
  /** `import.meta.url` of the declaring module: its source and local imports go into the key. */
  module: string;
  /** Parameter schema; invalid values give an error naming the field. */
  params: S;
  /** Input names the stage expects (each wired to an upstream node's output file). */
  inputs: readonly string[];
  /** Output file names (relative paths, may contain sub-folders) the stage must write. */
  outputs: readonly string[];
  /** Runtime facts the stage depends on beyond Deno itself. */
  runtime?: readonly RuntimeNeed[];
  /** When true, `run` receives `inputManifests` (the upstream entries' manifests). */
  inputManifests?: boolean;
  /** Does the work. Optional return value is recorded in the manifest as `summary`. */
  run(ctx: StageContext<z.infer<S>>): Promise<Record<string, unknown> | void>;
  /**
   * Runs several nodes of this stage in one job (a fused group, `NodeSpec.fuse`): one context
   * per node, each with its own params, inputs, output folder, generator, checkpoint and
   * progress. It must write for every node exactly the bytes `run` writes for it alone; the
   * engine commits each node's entry under its own key. Returns the summaries in order.
   */
  runGroup?(
    ctxs: readonly StageContext<z.infer<S>>[],
  ): Promise<(Record<string, unknown> | void)[]>;
}

/** Declares a stage with its parameter type inferred from the schema. */
export function defineStage<S extends z.ZodType>(stage: Stage<S>): Stage<S> {
  return stage;
}
