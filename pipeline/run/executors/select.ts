/**
 * `--executor <name>`: in-process/local Workers (the default), or SLURM with the options of
 * `<executorConfigDir>/<name>.json` (or built-in defaults for `slurm`) and the command line's.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Executor } from "./executor.ts";
import type { Project } from "../../graph/project.ts";
import { Store } from "../../store/store.ts";
import { slurmExecutor } from "./slurm.ts";
import { loadSlurmConfig, parseSlurmConfig, type SlurmConfig } from "./slurm_config.ts";

/** Executor options from the command line (they override the config file's). */
export interface ExecutorFlags {
  executor?: string;
  partition?: string;
  account?: string;
  time?: string;
  mem?: string;
  cpusPerTask?: number;
  sbatchFlag?: string[];
  maxRetries?: number;
}

/** Names that select the local executors. */
export const LOCAL_EXECUTORS = ["local", "in-process", "workers"];

/** The cluster config for the flags; null for a local executor. */
export async function clusterConfig(
  p: Project,
  f: ExecutorFlags,
): Promise<SlurmConfig | null> {
  const name = f.executor ?? "local";
  if (LOCAL_EXECUTORS.includes(name)) return null;
  const base = await loadSlurmConfig(p.executorConfigDir, name);
  const raw: Record<string, unknown> = { ...base };
  if (f.partition !== undefined) raw.partition = f.partition;
  if (f.account !== undefined) raw.account = f.account;
  if (f.time !== undefined) raw.time = f.time;
  if (f.mem !== undefined) raw.mem = f.mem;
  if (f.cpusPerTask !== undefined) raw.cpusPerTask = f.cpusPerTask;
  if (f.sbatchFlag?.length) raw.sbatchFlags = [...(base.sbatchFlags ?? []), ...f.sbatchFlag];
  if (f.maxRetries !== undefined) raw.maxRetries = f.maxRetries;
  return parseSlurmConfig(raw, `--executor ${name} with command-line options`);
}

/** Builds the SLURM executor of a project for a config. */
export function projectSlurmExecutor(
  p: Project,
  cfg: SlurmConfig,
  log: (line: string) => void,
): Executor {
  const command = p.jobCommand ??
    [Deno.execPath(), "run", "--allow-all", ...cfg.runtimeFlags, fileURLToPath(Deno.mainModule)];
  const env: Record<string, string> = {};
  if (p.threadsEnv && cfg.cpusPerTask) env[p.threadsEnv] = String(cfg.cpusPerTask);
  return slurmExecutor(cfg, {
    store: new Store(p.artifactsRoot),
    root: p.root,
    command,
    logsDir: join(p.artifactsRoot, "logs"),
    env,
    log,
  });
}
