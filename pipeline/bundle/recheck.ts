/**
 * Derived results recomputed, and spot re-execution: `verify --bundle` reruns stages offline
 * from their bundled inputs with the checkout's code and compares the bytes of their outputs
 * with the bundle's. The pipeline is bit-deterministic, so a forged output of a rerun stage is
 * caught whatever else the forger made consistent.
 *
 * Which stages are cheap enough to recheck always is the project's word (`Project.recheck`);
 * `--rerun N` and `--rerun-stage NAME` add others. A stage is rerun only when the checkout's
 * code of it is the bundle's (same fingerprint), its module belongs to the checkout's own code
 * and all its inputs are in the bundle; otherwise it is listed as skipped, with the reason.
 *
 * @module
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { hashFile } from "../stage/hash.ts";
import type { Manifest } from "../stage/manifest.ts";
import type { Stage } from "../stage/stage.ts";
import type { CodeHasher } from "../graph/code_hash.ts";
import { regularFileProblem, relativePathProblem } from "../store/entry.ts";
import type { BundleInfo } from "./bundle.ts";

/** One problem, naming the file inside the bundle. */
interface Problem {
  file: string;
  problem: string;
}

/** What a rerun hands the stage (as a run would, from the bundled files). */
export interface RerunRequest {
  params: unknown;
  inputs: Record<string, string>;
  outDir: string;
  seed: number;
  key: string;
  nodeId: string;
  inputManifests?: Record<string, Manifest>;
}

/** Runs one stage (the caller's executor; the engine's runner in the CLI). */
export type RunStage = (stage: Stage, req: RerunRequest) => Promise<void>;

/** Which stages to rerun and how. */
export interface RerunSelection {
  /** The checkout whose code reruns the stages. */
  checkout: { root: string; hasher: CodeHasher };
  /** Stages rechecked always (the project's cheap aggregation stages). */
  cheap: readonly string[];
  /** Stages or node ids rerun on request (`--rerun-stage`). */
  named?: readonly string[];
  /** How many other entries to rerun, chosen at random (`--rerun N`). */
  random?: number;
  run: RunStage;
  /** Random integer below `n` (default: crypto). */
  pick?: (n: number) => number;
}

/** One stage rerun (or skipped). */
export interface RerunResult {
  key: string;
  node: string;
  stage: string;
  /** Why it was chosen. */
  why: "cheap" | "named" | "random";
  status: "same" | "differs" | "skipped" | "failed";
  /** Skipped or failed: why; differs: which outputs. */
  detail?: string;
}

function cryptoPick(n: number): number {
  const x = new Uint32Array(1);
  crypto.getRandomValues(x);
  return x[0] % n;
}

/** Chooses the entries to rerun: cheap ones, named ones, then `random` of the rest. */
export function chooseReruns(
  manifests: Map<string, Manifest>,
  sel: Pick<RerunSelection, "cheap" | "named" | "random" | "pick">,
): { key: string; why: RerunResult["why"] }[] {
  const cheap = new Set(sel.cheap);
  const named = new Set(sel.named ?? []);
  const out: { key: string; why: RerunResult["why"] }[] = [];
  const rest: string[] = [];
  for (const [key, m] of [...manifests].sort(([a], [b]) => a < b ? -1 : 1)) {
    if (cheap.has(m.stage)) out.push({ key, why: "cheap" });
    else if (named.has(m.stage) || named.has(m.node)) out.push({ key, why: "named" });
    else rest.push(key);
  }
  const pick = sel.pick ?? cryptoPick;
  for (let i = 0; i < (sel.random ?? 0) && rest.length > 0; i++) {
    out.push({ key: rest.splice(pick(rest.length), 1)[0], why: "random" });
  }
  return out;
}

async function loadStage(url: string, name: string): Promise<Stage | null> {
  const mod = await import(url) as Record<string, unknown>;
  for (const v of Object.values(mod)) {
    const s = v as Stage | undefined;
    if (s && typeof s === "object" && s.name === name && s.module === url) return s;
  }
  return null;
}

/**
 * Reruns the chosen entries of an unpacked, verified bundle in `dir`; a rerun whose output
 * bytes differ from the bundle's is a problem, as is a named stage that could not be rerun.
 */
export async function rerunBundled(
  dir: string,
  info: BundleInfo,
  manifests: Map<string, Manifest>,
  sel: RerunSelection,
): Promise<{ results: RerunResult[]; problems: Problem[] }> {
  const results: RerunResult[] = [];
  const problems: Problem[] = [];
  const work = await Deno.makeTempDir({ prefix: "bundle-rerun-" });
  try {
    for (const { key, why } of chooseReruns(manifests, sel)) {
      const m = manifests.get(key)!;
      const base = { key, node: m.node, stage: m.stage, why };
      const skip = (detail: string) => {
        results.push({ ...base, status: "skipped", detail });
        if (why === "named") {
          problems.push({ file: `store/${key}`, problem: `not rerun: ${detail}` });
        }
      };
      const s = Object.hasOwn(info.stages, m.stage) ? info.stages[m.stage] : undefined;
      const url = s ? checkoutModule(sel.checkout, s.module) : null;
      if (!url) {
        skip(`its module is not part of this checkout's code`);
        continue;
      }
      const code = await sel.checkout.hasher.fingerprint(url);
      if (code.hash !== m.code.hash) {
        skip(`this checkout's code of stage "${m.stage}" differs from the bundle's`);
        continue;
      }
      const stage = await loadStage(url, m.stage);
      if (!stage) {
        skip(`${s!.module} exports no stage "${m.stage}"`);
        continue;
      }
      if (!stage.params.safeParse(m.params).success) {
        skip(`its params do not fit stage "${m.stage}"`);
        continue;
      }
      const inputs: Record<string, string> = {};
      const inputManifests: Record<string, Manifest> = {};
      let missing = "";
      for (const [name, rec] of Object.entries(m.inputs)) {
        if (await regularFileProblem(dir, `store/${rec.key}/${rec.output}`)) {
          missing = `input "${name}" (store/${rec.key}/${rec.output}) is not in the bundle`;
          break;
        }
        inputs[name] = join(dir, "store", rec.key, rec.output);
        const up = manifests.get(rec.key);
        if (up) inputManifests[name] = up;
      }
      if (missing) {
        skip(missing);
        continue;
      }
      const outDir = await Deno.makeTempDir({ dir: work });
      for (const out of stage.outputs) {
        await Deno.mkdir(join(outDir, out, ".."), { recursive: true });
      }
      try {
        await sel.run(stage, {
          params: m.params,
          inputs,
          outDir,
          seed: m.seed,
          key,
          nodeId: m.node,
          ...(stage.inputManifests ? { inputManifests } : {}),
        });
      } catch (e) {
        results.push({ ...base, status: "failed", detail: (e as Error).message });
        problems.push({
          file: `store/${key}`,
          problem: `rerunning stage "${m.stage}" (node "${m.node}") failed: ${
            (e as Error).message
          }`,
        });
        continue;
      }
      const differs: string[] = [];
      for (const [name, rec] of Object.entries(m.outputs).sort(([a], [b]) => a < b ? -1 : 1)) {
        const got = await hashFile(join(outDir, name)).catch(() => null);
        if (got?.sha256 === rec.sha256) continue;
        differs.push(name);
        problems.push({
          file: `store/${key}/${name}`,
          problem: `rerunning stage "${m.stage}" (node "${m.node}") from its bundled inputs ` +
            `gives ${got ? `sha256 ${got.sha256}` : "no such file"}, but the bundle records ` +
            `${rec.sha256}: the output was not produced by this code from these inputs`,
        });
      }
      results.push({
        ...base,
        status: differs.length ? "differs" : "same",
        ...(differs.length ? { detail: differs.join(", ") } : {}),
      });
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
  return { results, problems };
}

/**
 * The URL of a module a bundle names (`bundle.json`'s `stages.*.module`, untrusted) when it is
 * a plain relative path to a module of the checkout's own code (the import graph of its entry);
 * null otherwise. Nothing outside that graph is ever read, fingerprinted or imported.
 */
export function checkoutModule(
  checkout: { root: string; hasher: CodeHasher },
  module: string,
): string | null {
  if (module === "" || relativePathProblem(module)) return null;
  const url = pathToFileURL(join(checkout.root, module)).href;
  return checkout.hasher.isProjectModule(url) ? url : null;
}
