/**
 * The AMR project as the engine sees it: configs in, a graph out, plus the `data` commands.
 */
import { checkDatasetFits } from "./plan/feasibility.ts";
import type { Command } from "@commander-js/extra-typings";
import { basename, dirname, join } from "node:path";
import { costModel } from "./plan/cost.ts";
import {
  CorruptEntry,
  externalFileHash,
  type FreshOutput,
  type NodeSpec,
  type Project,
  readFreshOutputs,
  type RuntimeFacts,
  Store,
  type Target,
  type TargetOption,
  type TargetOptions,
  userCwd,
} from "./pipeline/mod.ts";
import { fileURLToPath as fromFileUrl } from "node:url";
import { type DatasetConfig, loadDatasetConfig, parseDatasetConfig } from "./config/dataset.ts";
import { parseProfile, profileForDataset, type ProfileSpec } from "./config/profile.ts";
import { configRows, type ResolvedProfile, resolveProfile } from "./config/profile_resolve.ts";
import { planNodes } from "./plan/mod.ts";
import { dataNodes } from "./plan/data.ts";
import { dataDifference, profileDifferences, tuningReference } from "./plan/reference.ts";
import type { TuningReference } from "./stages/tune-compare.ts";
import { paperDatasetOf } from "./config/paper.ts";
import { COMPARED_SELECTIONS, TUNED } from "./plan/tune.ts";
import { registerDataCommands } from "./commands/data.ts";
import { registerConfigCommands } from "./commands/config.ts";
import { authorsDir, withExternalHashes } from "./plan/external_data.ts";
import { AMR_INITS, type AmrInit, withOfficialInit } from "./plan/init.ts";
import { WEIGHTS_FILE } from "./datasets/authors_files.ts";
import { THREADS_ENV } from "./models/threads.ts";
import {
  type Backend,
  BACKEND_ENV,
  BACKENDS,
  parseBackend,
  requestedBackend,
  requireAdapter,
} from "./models/backend.ts";
import { checkSupport } from "./commands/check_support.ts";
import { MAX_SEEDS } from "./stages/seeds.ts";
import { SEEDS_VARY, type SeedsVary } from "./config/seeds_vary.ts";
import { pinnedVersion } from "./config/packages.ts";

const ROOT = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
const CONFIGS = join(ROOT, "configs");

/** Default dataset (synthetic, generated in the authors' file format). */
export const DEFAULT_DATASET = "synthetic-pinterest";

/** Where artifacts live: `AMR_ARTIFACTS` or `<repo>/artifacts`. */
export function artifactsRoot(): string {
  return Deno.env.get("AMR_ARTIFACTS") ?? join(ROOT, "artifacts");
}

/** The options that select a target: a dataset (named or a folder), a profile, an init. */
export const TARGET_OPTIONS: readonly TargetOption[] = [
  {
    name: "dataset",
    flag: "--dataset <name>",
    description: "dataset name (see `data list`)",
    pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
  },
  // A bundle's --data-dir and profile paths are never taken: a path from a bundle is not read.
  {
    name: "dataDir",
    flag: "--data-dir <path>",
    description: "your own data: interactions.csv|tsv + features.npy",
  },
  {
    name: "profile",
    flag: "--profile <name|path>",
    description: "run profile: a name in configs/profiles/ (smoke, default, paper, ...) or a " +
      'path to a profile file (which may "extends" another)',
    default: "default",
    pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
  },
  {
    name: "set",
    flag: "--set <path=value>",
    description: "override one profile field, e.g. models.amr.eps=0.2 (repeatable; validated " +
      "against the profile schema; the results folder gets +set-<hash>)",
    repeatable: true,
    pattern: /^[A-Za-z0-9_]+(\.[A-Za-z0-9_@-]+){0,7}=[^\0\n]{0,200}$/,
  },
  {
    name: "init",
    flag: "--init <source>",
    description: `starting weights of the final model: ${AMR_INITS.join(" or ")} (default vbpr)`,
    pattern: new RegExp(`^(${AMR_INITS.join("|")})$`),
  },
  {
    name: "backend",
    flag: "--backend <name>",
    description: `numeric backend of the stages that run tfjs: ${BACKENDS.join(" or ")} ` +
      `(default: ${BACKEND_ENV}, else wasm); webgpu needs a WebGPU adapter (a Vulkan driver) ` +
      "and gets its own cache entries and results folder (+webgpu)",
    choices: BACKENDS,
  },
  {
    name: "seeds",
    flag: "--seeds <n>",
    description: "replicate training, evaluation and robustness over n seeds (default: the " +
      "profile's seeds)",
    pattern: /^[0-9]{1,4}$/,
  },
  {
    name: "seedsVary",
    flag: "--seeds-vary <what>",
    description: "what each seed of --seeds redraws: training (default: the models' training " +
      "only, on one shared split and negatives) or data (also the split and the test " +
      "negatives, per seed)",
    choices: SEEDS_VARY,
    pattern: new RegExp(`^(${SEEDS_VARY.join("|")})$`),
  },
];

function parseSeeds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEEDS) {
    throw new Error(`--seeds: expected an integer from 1 to ${MAX_SEEDS}, got "${v}"`);
  }
  return n;
}

/**
 * Runtime facts that change numerical results: the tfjs version and backend (`AMR_BACKEND`,
 * which `--backend` sets in {@link resolveTarget}) of every stage that runs tfjs. The WASM thread
 * count is not one of them: results are bit-identical for any count
 * (tests/models/wasm_threads_test.ts).
 */
export function runtimeFacts(): Promise<RuntimeFacts> {
  return Promise.resolve({
    base: { deno: Deno.version.deno },
    needs: {
      tfjs: { version: pinnedVersion("@tensorflow/tfjs"), backend: requestedBackend() },
    },
  });
}

/**
 * The backend of a run: `--backend`, else `AMR_BACKEND`, else wasm. It is written back to
 * `AMR_BACKEND`, through which it reaches the runtime facts and the stages (in Workers and
 * cluster jobs too). WebGPU is checked here, before anything runs: without an adapter the run
 * stops with one sentence and exit status 2, never falling back to WASM.
 */
export async function resolveBackend(option: string | undefined): Promise<Backend> {
  const backend = option === undefined ? requestedBackend() : parseBackend(option, "--backend");
  Deno.env.set(BACKEND_ENV, backend);
  if (backend === "webgpu") await requireAdapter();
  return backend;
}

/** Resolves `--dataset` / `--data-dir` to a dataset config; external files' SHA-256 go into
 * its `hashes` (so their content, not only their path, is part of the cache key). */
export async function resolveDataset(
  opts: { dataset?: string; dataDir?: string },
): Promise<DatasetConfig> {
  if (opts.dataset && opts.dataDir) {
    throw new Error("give either --dataset or --data-dir, not both");
  }
  if (opts.dataDir) {
    const dir = opts.dataDir.startsWith("/") ? opts.dataDir : join(Deno.cwd(), opts.dataDir);
    const name = `dir-${dir.split("/").filter(Boolean).pop()}`;
    const cfg = parseDatasetConfig(
      { kind: "data-dir", name, dir, minPerUser: 2 },
      `--data-dir ${dir}`,
    );
    return await withExternalHashes(cfg, artifactsRoot());
  }
  const cfg = await loadDatasetConfig(opts.dataset ?? DEFAULT_DATASET, join(CONFIGS, "datasets"));
  return await withExternalHashes(cfg, artifactsRoot());
}

function parseSeedsVary(v: string | undefined): SeedsVary {
  if (v === undefined) return "training";
  if (!(SEEDS_VARY as readonly string[]).includes(v)) {
    throw new Error(`--seeds-vary: expected one of ${SEEDS_VARY.join(", ")}, got "${v}"`);
  }
  return v as SeedsVary;
}

function parseInit(init: string | undefined): AmrInit {
  if (init === undefined) return "vbpr";
  if (!(AMR_INITS as readonly string[]).includes(init)) {
    throw new Error(`--init: expected one of ${AMR_INITS.join(", ")}, got "${init}"`);
  }
  return init as AmrInit;
}

function one(opts: TargetOptions, name: string): string | undefined {
  const v = opts[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function many(opts: TargetOptions, name: string): string[] {
  const v = opts[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Re-applies `--set` overrides (dotted path -> value) on a validated profile. */
function withOverrides(profile: ProfileSpec, overrides: Record<string, unknown>): ProfileSpec {
  if (Object.keys(overrides).length === 0) return profile;
  const raw = structuredClone(profile) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(overrides)) {
    const parts = path.split(".");
    let cur = raw;
    for (const k of parts.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
    cur[parts[parts.length - 1]] = value;
  }
  return parseProfile(raw, "--set");
}

/** Resolves `--profile` and `--set` (with each value's source; see config/profile_resolve.ts). */
export function resolveRunProfile(opts: TargetOptions): Promise<ResolvedProfile> {
  return resolveProfile(CONFIGS, one(opts, "profile") ?? "default", many(opts, "set"), {
    cwd: userCwd(),
    root: ROOT,
    tuned: TUNED,
  });
}

/**
 * The choices of the profile `tune.reference` names (plan/reference.ts): its target on the same
 * dataset, init and backend without `--set`, its selections' `chosen.json` read from their fresh
 * store entries, hashed as read. An entry that fails its checks leaves the reference unavailable,
 * said in the report, rather than stopping this run; a reference that is no profile, or this one,
 * is an error naming the field.
 */
async function lookUpReference(
  opts: TargetOptions,
  profile: ProfileSpec,
  ours: readonly NodeSpec[],
  dataIds: readonly string[],
): Promise<TuningReference | null> {
  const name = profile.tune?.reference;
  if (!name) return null;
  if (name === profile.name) {
    throw new Error(`profile ${profile.name}: tune.reference names the profile itself`);
  }
  const refOpts: TargetOptions = { ...opts, profile: name, set: [], seeds: undefined };
  let ref: Target;
  let refProfile: ProfileSpec;
  try {
    ref = await resolveTarget(refOpts, { reference: false });
    const dataset = String(ref.meta.dataset);
    refProfile = profileForDataset(
      (await resolveRunProfile(refOpts)).profile,
      dataset,
      paperDatasetOf(dataset),
    );
  } catch (e) {
    throw new Error(`profile ${profile.name}: tune.reference "${name}": ${(e as Error).message}`);
  }
  const selections = Object.values(COMPARED_SELECTIONS);
  let unavailable = refProfile.tune
    ? dataDifference(ours, ref.nodes, dataIds)
    : `${name} does not tune its hyper-parameters`;
  let chosen = new Map<string, FreshOutput>();
  if (unavailable === null) {
    try {
      chosen = await readFreshOutputs(project, ref, selections, "chosen.json");
    } catch (e) {
      if (!(e instanceof CorruptEntry)) throw e;
      // The reason and a short key only: the node's params (its key) never carry a local path.
      unavailable = `its store entry ${e.key.slice(0, 12)} cannot be trusted: ${e.reason}`;
    }
  }
  return tuningReference({
    profile: name,
    target: ref.name,
    unavailable,
    differences: profileDifferences(profile, refProfile),
    selections,
    chosen,
  });
}

/** Builds the target for a dataset and profile (and init, and `--set` overrides). */
export async function resolveTarget(
  opts: TargetOptions,
  how: { reference?: boolean } = {},
): Promise<Target> {
  const dataset = await resolveDataset({
    dataset: one(opts, "dataset"),
    dataDir: one(opts, "dataDir"),
  });
  const resolved = await resolveRunProfile(opts);
  // A profile's per-dataset section applies first; `--set` always has the last word.
  const profile = withOverrides(
    profileForDataset(resolved.profile, dataset.name, paperDatasetOf(dataset.name)),
    resolved.overrides,
  );
  const init = parseInit(one(opts, "init"));
  const backend = await resolveBackend(one(opts, "backend"));
  await checkDatasetFits(dataset, profile);
  const seeds = parseSeeds(one(opts, "seeds")) ?? profile.seeds;
  const seedsVary = parseSeedsVary(one(opts, "seedsVary"));
  // With one seed nothing is redrawn: the run is the plain one whatever --seeds-vary says.
  const dataVaries = seeds > 1 && seedsVary === "data";
  const plan = (reference?: TuningReference | null) =>
    planNodes(dataset, profile, {
      seeds,
      seedsVary,
      run: {
        profile: one(opts, "profile") ?? profile.name,
        overrides: resolved.overrides,
        configuration: configRows(resolved),
      },
      reference,
    });
  let nodes = plan();
  if (profile.tune?.reference && how.reference !== false) {
    const dataIds = dataNodes(dataset, { seed: profile.seed, negatives: profile.negatives })
      .map((n) => n.id);
    nodes = plan(await lookUpReference(opts, profile, nodes, dataIds));
  }
  if (init === "official-vbpr") {
    if (dataset.kind !== "authors-split") {
      throw new Error(
        `--init official-vbpr needs an authors-split dataset (with ${WEIGHTS_FILE}); ${dataset.name} is ${dataset.kind}`,
      );
    }
    const path = join(authorsDir(dataset.dir, artifactsRoot()), WEIGHTS_FILE);
    let sha256: string;
    try {
      sha256 = await externalFileHash(path, artifactsRoot());
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      throw new Error(
        `--init official-vbpr: ${path} not found (fetch it with "deno task amr data fetch pinterest")`,
      );
    }
    nodes = withOfficialInit(nodes, { path, sha256 }, {
      seed: profile.seed,
      k: profile.k,
      coldMode: profile.coldMode,
      tuned: profile.tune !== null && profile.tune !== undefined,
    });
  }
  // WebGPU results live apart from WASM ones (their cache keys differ too: runtimeFacts).
  const suffix = (init === "vbpr" ? "" : `+${init}`) + (seeds > 1 ? `+seeds${seeds}` : "") +
    (dataVaries ? "-data" : "") + (backend === "wasm" ? "" : `+${backend}`);
  const base = `${profile.name}${suffix}`;
  // Overrides get their own results folder and state: the run differs from the named profile.
  const variant = resolved.overridesHash ? `${base}+set-${resolved.overridesHash}` : base;
  // A variant's staleness is explained against the nearest shipped profile it derives from.
  const shipped = resolved.chain.find((f) => dirname(f) === join(CONFIGS, "profiles"));
  const derivedFrom = shipped ? `${dataset.name}--${basename(shipped, ".json")}${suffix}` : null;
  return {
    name: `${dataset.name}--${variant}`,
    nodes,
    resultsDir: join(artifactsRoot(), "results", dataset.name, variant),
    meta: {
      dataset: dataset.name,
      profile: profile.name,
      seed: profile.seed,
      init,
      seeds,
      // Only when they change the run, so that a default run's facts stay as they were.
      ...(dataVaries ? { seedsVary } : {}),
      ...(backend === "wasm" ? {} : { backend }),
      ...(resolved.external ? { profileFile: resolved.chain[0] } : {}),
      ...(resolved.chain.length > 1 ? { extends: resolved.chain.slice(1) } : {}),
      ...(resolved.overridesHash ? { overrides: resolved.overrides } : {}),
    },
    ...(derivedFrom && derivedFrom !== `${dataset.name}--${variant}` ? { derivedFrom } : {}),
  };
}

/** The project object handed to the CLI. */
export const project: Project = {
  name: "amr",
  description: "Reproduce AMR (Tang et al., IEEE TKDE) end to end, with a content-addressed cache.",
  root: ROOT,
  artifactsRoot: artifactsRoot(),
  entry: new URL("./main.ts", import.meta.url).href,
  targetOptions: TARGET_OPTIONS,
  runtime: runtimeFacts,
  threadsEnv: THREADS_ENV,
  debugEnv: "AMR_DEBUG",
  // Aggregations `verify --bundle` reruns from the bundled entries (seconds, not hours).
  recheck: ["table1", "table2", "tune-select", "tune-compare", "seeds", "report", "report-tuned"],
  remoteEnv: "AMR_REMOTE",
  executorConfigDir: join(CONFIGS, "executors"),
  async costModel(target: Target) {
    // Best effort: a --data-dir target has no config by its name; it just gets no bench scale.
    const dataset = await resolveDataset({ dataset: String(target.meta.dataset) }).catch(() =>
      null
    );
    const items = dataset && "items" in dataset && typeof dataset.items === "number"
      ? dataset.items
      : null;
    return await costModel(target, new Store(artifactsRoot()), {
      artifactsRoot: artifactsRoot(),
      items,
    });
  },
  jobCommand: [
    Deno.execPath(),
    "run",
    "--allow-all",
    "--v8-flags=--max-old-space-size=16384",
    fromFileUrl(new URL("./main.ts", import.meta.url)),
  ],
  resolveTarget,
  check: checkSupport(CONFIGS),
  extend(program: Command) {
    registerDataCommands(program, { configDir: CONFIGS, resolveTarget, project });
    registerConfigCommands(program, { project, resolveProfile: resolveRunProfile });
  },
};
