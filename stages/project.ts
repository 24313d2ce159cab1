/**
 * The AMR project as the engine sees it: configs in, a graph out, plus the `data` commands.
 */
import type { Command } from "@commander-js/extra-typings";
import { join } from "node:path";
import type { Project, Target, TargetOptions } from "../pipeline/project.ts";
import type { RuntimeFacts } from "../pipeline/keys.ts";
import { loadDatasetConfig, parseDatasetConfig, type DatasetConfig } from "./lib/dataset_config.ts";
import { loadProfile } from "./lib/profile_config.ts";
import { planNodes } from "./plan.ts";
import { registerDataCommands } from "./data_commands.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const CONFIGS = join(ROOT, "configs");

/** Profiles shipped in `configs/profiles/`. */
export const PROFILES = ["smoke", "default", "paper"];

/** Default dataset (synthetic, generated in the authors' file format). */
export const DEFAULT_DATASET = "synthetic-pinterest";

/** Where artifacts live: `AMR_ARTIFACTS` or `<repo>/artifacts`. */
export function artifactsRoot(): string {
  return Deno.env.get("AMR_ARTIFACTS") ?? join(ROOT, "artifacts");
}

/** Reads the pinned tfjs version from deno.json's import map. */
async function tfjsVersion(): Promise<string> {
  const cfg = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))) as { imports: Record<string, string> };
  return cfg.imports["@tensorflow/tfjs"]?.match(/@(\d[^/]*)$/)?.[1] ?? "unknown";
}

/** Runtime facts that change numerical results. */
export async function runtimeFacts(): Promise<RuntimeFacts> {
  return {
    base: { deno: Deno.version.deno },
    needs: { tfjs: { version: await tfjsVersion(), backend: "wasm", threads: "1" } },
  };
}

/** Resolves `--dataset` / `--data-dir` to a dataset config. */
export async function resolveDataset(opts: { dataset?: string; dataDir?: string }): Promise<DatasetConfig> {
  if (opts.dataDir) {
    const dir = opts.dataDir.startsWith("/") ? opts.dataDir : join(Deno.cwd(), opts.dataDir);
    const name = `dir-${dir.split("/").filter(Boolean).pop()}`;
    return parseDatasetConfig({ kind: "data-dir", name, dir, minPerUser: 2 }, `--data-dir ${dir}`);
  }
  return await loadDatasetConfig(opts.dataset ?? DEFAULT_DATASET, join(CONFIGS, "datasets"));
}

/** Builds the target for a dataset and profile. */
export async function resolveTarget(opts: TargetOptions): Promise<Target> {
  const dataset = await resolveDataset(opts);
  const profile = await loadProfile(CONFIGS, opts.profile);
  return {
    name: `${dataset.name}--${profile.name}`,
    nodes: planNodes(dataset, profile),
    resultsDir: join(artifactsRoot(), "results", dataset.name, profile.name),
    meta: { dataset: dataset.name, profile: profile.name, seed: profile.seed },
  };
}

/** The project object handed to the CLI. */
export const project: Project = {
  name: "amr",
  root: ROOT,
  artifactsRoot: artifactsRoot(),
  entry: new URL("../main.ts", import.meta.url).href,
  profiles: PROFILES,
  defaultDataset: DEFAULT_DATASET,
  runtime: runtimeFacts,
  resolveTarget,
  extend(program: Command) {
    registerDataCommands(program, { configDir: CONFIGS, resolveTarget });
  },
};
