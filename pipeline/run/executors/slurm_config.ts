/**
 * Options of the SLURM executor: from a checked-in `<executor-config-dir>/<name>.json`
 * (selected by `--executor <name>`), overridden by command-line flags. Resources may be
 * overridden per stage name (e.g. long limits for training grids, small ones for data stages).
 */
import { join } from "node:path";
import { z } from "zod";
import { readUserJson } from "../../stage/user_file.ts";

/** Resources of a job: each maps to one `sbatch` option. */
export const slurmResourcesSchema = z.strictObject({
  partition: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  /** Time limit in a form sbatch accepts: `minutes`, `H:MM:SS`, `D-HH:MM:SS`, ... */
  time: z.string().regex(/^(\d+-)?\d+(:\d{1,2}){0,2}$/, "expected e.g. 90, 2:00:00 or 1-00:00:00")
    .optional(),
  /** Memory per node, e.g. `4G`, `16000M`. */
  mem: z.string().regex(/^\d+[KMGT]?$/, "expected e.g. 4G or 16000M").optional(),
  cpusPerTask: z.number().int().positive().optional(),
  /** Further sbatch flags, passed as given (each one argument, e.g. `--qos=long`). */
  sbatchFlags: z.array(z.string().regex(/^--?[A-Za-z]/, "expected a flag such as --qos=x"))
    .optional(),
});

/** Resources of a job. */
export type SlurmResources = z.infer<typeof slurmResourcesSchema>;

/** Schema of an executor config file. */
export const slurmConfigSchema = slurmResourcesSchema.extend({
  executor: z.literal("slurm"),
  /** Resubmissions of a job that ended without an entry (failure, cancellation, node loss). */
  maxRetries: z.number().int().min(0).default(2),
  /** Resubmissions after preemption or a time limit (they resume from their checkpoint). */
  maxRequeues: z.number().int().min(0).default(20),
  /** Seconds between looks at the store and at `squeue`. */
  pollSeconds: z.number().positive().default(2),
  /** Consecutive successful `squeue` answers without a job before it counts as ended. */
  goneAfterPolls: z.number().int().min(1).default(3),
  /** Jobs in flight at once. */
  maxJobs: z.number().int().positive().default(500),
  /** Extra flags of the runtime command in the job (e.g. V8 heap size). */
  runtimeFlags: z.array(z.string()).default([]),
  /** Paths of the SLURM commands (defaults: found on PATH). */
  commands: z.strictObject({
    sbatch: z.string().optional(),
    squeue: z.string().optional(),
    scancel: z.string().optional(),
    sacct: z.string().optional(),
  }).default({}),
  /** Resources per stage name, over the defaults above. */
  stages: z.record(z.string(), slurmResourcesSchema).default({}),
});

/** A validated executor config. */
export type SlurmConfig = z.infer<typeof slurmConfigSchema>;

/** Parses a config value; errors name the source and the field. */
export function parseSlurmConfig(raw: unknown, source: string): SlurmConfig {
  const parsed = slurmConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${source}: field ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return parsed.data;
}

/** Loads `<dir>/<name>.json`, or the built-in defaults for the name `slurm` without a file. */
export async function loadSlurmConfig(dir: string | undefined, name: string): Promise<SlurmConfig> {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`--executor: bad name "${name}"`);
  const path = dir ? join(dir, `${name}.json`) : null;
  let raw: unknown = undefined;
  if (path) {
    try {
      raw = await readUserJson(path, { what: "executor config" });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  if (raw === undefined) {
    if (name === "slurm") return parseSlurmConfig({ executor: "slurm" }, "built-in defaults");
    throw new Error(
      `--executor ${name}: no ${path ?? `executor config "${name}"`} (known: in-process, slurm)`,
    );
  }
  return parseSlurmConfig(raw, path!);
}

/** The resources of one stage: the defaults with the stage's override on top. */
export function resourcesFor(cfg: SlurmConfig, stage: string): SlurmResources {
  const o = cfg.stages[stage] ?? {};
  return {
    partition: o.partition ?? cfg.partition,
    account: o.account ?? cfg.account,
    time: o.time ?? cfg.time,
    mem: o.mem ?? cfg.mem,
    cpusPerTask: o.cpusPerTask ?? cfg.cpusPerTask,
    sbatchFlags: [...(cfg.sbatchFlags ?? []), ...(o.sbatchFlags ?? [])],
  };
}

/** `sbatch` arguments for resources (one argument per option: no shell is involved). */
export function sbatchArgs(r: SlurmResources): string[] {
  const out: string[] = [];
  if (r.partition) out.push(`--partition=${r.partition}`);
  if (r.account) out.push(`--account=${r.account}`);
  if (r.time) out.push(`--time=${r.time}`);
  if (r.mem) out.push(`--mem=${r.mem}`);
  if (r.cpusPerTask) out.push(`--cpus-per-task=${r.cpusPerTask}`);
  out.push(...(r.sbatchFlags ?? []));
  return out;
}
