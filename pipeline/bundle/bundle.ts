/**
 * `bundle`: packs one run into a `.tar.gz` a reviewer can verify offline with nothing but this
 * tool, or with standard tools alone (tar, sha256sum, any JSON/CSV/.npy reader).
 *
 * Layout inside the archive:
 * - `bundle.json`: what was bundled (target, its options and meta, git commit, Deno/V8/
 *   TypeScript versions, the project's runtime facts, each stage's module and code
 *   fingerprint, each store entry with the outputs included and those left out, with sizes);
 * - `SHA256SUMS`: `sha256sum -c` format, every other file;
 * - `ROOT`: the anchor, SHA-256 of `SHA256SUMS` (anchor.ts), and `ROOT.sig` when signed;
 * - `state.json`: the target's run state (node -> store key);
 * - `results/`: the published results and their `provenance.json`;
 * - `store/<key>/manifest.json` for every entry of the run's closure, and beside it the
 *   entry's outputs (all with `withStore`, else those up to `smallBytes`).
 */
import { join, relative } from "node:path";
import { z } from "zod";
import { type ArchiveFile, writeTarGz } from "./archive.ts";
import { bundleRoot, ROOT_FILE, rootMessage, SIGNATURE_FILE, signRoot } from "./anchor.ts";
import { type GitInfo, gitInfo } from "../graph/git.ts";
import { hashFile, sha256 } from "../stage/hash.ts";
import type { RuntimeFacts } from "../graph/keys.ts";
import type { Manifest } from "../stage/manifest.ts";
import type { Project, Target, TargetOptions } from "../graph/project.ts";
import { readState } from "../store/state.ts";
import type { Store } from "../store/store.ts";
import { CorruptEntry, regularFileProblem } from "../store/entry.ts";

/** Format version of `bundle.json`. */
export const BUNDLE_FORMAT = 1;

/** Default largest store output included without `withStore` (bytes). */
export const DEFAULT_SMALL_BYTES = 2 * 1024 * 1024;

/** Schema of `bundle.json`. */
export const bundleInfoSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  tool: z.string(),
  target: z.string(),
  targetOptions: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  meta: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  git: z.object({ commit: z.string().nullable(), dirty: z.boolean().nullable() }),
  versions: z.record(z.string(), z.string()),
  runtime: z.object({
    base: z.record(z.string(), z.string()),
    needs: z.record(z.string(), z.record(z.string(), z.string())),
  }),
  stages: z.record(z.string(), z.object({ module: z.string(), code: z.string() })),
  entries: z.record(
    z.string(),
    z.object({
      node: z.string(),
      stage: z.string(),
      outputs: z.record(z.string(), z.object({ size: z.number().int(), included: z.boolean() })),
    }),
  ),
  smallBytes: z.number().int().nullable(),
  omitted: z.object({ files: z.number().int(), bytes: z.number().int() }),
});

/** Parsed `bundle.json`. */
export type BundleInfo = z.infer<typeof bundleInfoSchema>;

/** Options of {@link createBundle}. */
export interface BundleOptions {
  /** Archive to write. */
  out: string;
  /** The option values that selected the target (recorded, so a rerun can select it again). */
  targetOptions: TargetOptions;
  /** Include every store output (default: only those up to `smallBytes`). */
  withStore?: boolean;
  /** Largest output included without `withStore`. */
  smallBytes?: number;
  /** SSH private key that signs the root (`ssh-keygen -Y sign`); absent: unsigned. */
  signKey?: string;
}

/** What {@link createBundle} wrote. */
export interface BundleSummary {
  out: string;
  /** The bundle's root digest (anchor.ts): publish it, so that a forgery is detectable. */
  root: string;
  /** Whether `ROOT.sig` holds an SSH signature of the root. */
  signed: boolean;
  /** Files in the archive and their bytes (before compression). */
  files: number;
  bytes: number;
  entries: number;
  /** Store outputs left out: `<key>/<output>` with node and size. */
  omitted: { node: string; key: string; output: string; size: number }[];
  /** Size of the archive. */
  archiveBytes: number;
}

interface Provenance {
  items: Record<string, { node: string; key: string; output: string; sha256: string }>;
}

/** Reads every manifest reachable from `keys` through recorded inputs. */
export async function closureManifests(
  store: Store,
  keys: Iterable<string>,
): Promise<Map<string, Manifest>> {
  const out = new Map<string, Manifest>();
  const stack = [...keys];
  while (stack.length > 0) {
    const key = stack.pop()!;
    if (out.has(key)) continue;
    const m = await store.readManifest(key).catch((e) => {
      if (e instanceof CorruptEntry) {
        throw new Error(`${e.message}: run "verify --repair" and "reproduce" before bundling`);
      }
      throw e;
    });
    if (!m) {
      throw new Error(
        `store entry ${key} is missing (removed by gc?): rerun "reproduce" before bundling`,
      );
    }
    out.set(key, m);
    for (const rec of Object.values(m.inputs)) stack.push(rec.key);
  }
  return out;
}

/**
 * Bundles the target's last run: its published results, state, the manifests of every entry
 * its results came from, and the small (or all) store outputs. Every included output is
 * re-hashed against its manifest first: a corrupt store is never bundled.
 */
export async function createBundle(
  p: Project,
  target: Target,
  store: Store,
  opts: BundleOptions,
): Promise<BundleSummary> {
  const state = await readState(p.artifactsRoot, target.name);
  const ids = new Set(target.nodes.map((n) => n.id));
  const stateKeys = Object.entries(state.nodes).filter(([id]) => ids.has(id));
  if (stateKeys.length === 0) {
    throw new Error(`no run recorded for target ${target.name}: run "reproduce" first`);
  }
  const provPath = join(target.resultsDir, "provenance.json");
  let provenance: Provenance;
  try {
    provenance = JSON.parse(await Deno.readTextFile(provPath)) as Provenance;
  } catch (e) {
    throw new Error(`${provPath}: ${(e as Error).message} (run "reproduce" first)`);
  }
  const roots = [
    ...stateKeys.map(([, k]) => k),
    ...Object.values(provenance.items).map((i) => i.key),
  ];
  const manifests = await closureManifests(store, roots);

  const files: ArchiveFile[] = [];
  const sums: string[] = [];
  let bytes = 0;
  const add = async (
    name: string,
    [base, rel]: [string, string],
    expected?: { sha256: string; size: number },
  ) => {
    // Links are never packed: an output replaced by a link to a secret must not leave the store.
    const path = join(base, rel);
    const kind = await regularFileProblem(base, rel);
    if (kind) throw new Error(`${path}: ${kind}; run "verify"; a corrupt store is not bundled`);
    const got = await hashFile(path);
    if (expected && (got.sha256 !== expected.sha256 || got.size !== expected.size)) {
      throw new Error(
        `${path} does not match its record (sha256 ${got.sha256}, expected ${expected.sha256}): ` +
          `run "verify"; a corrupt store is not bundled`,
      );
    }
    files.push({ name, path });
    sums.push(`${got.sha256}  ${name}`);
    bytes += got.size;
  };
  const addData = (name: string, text: string) => {
    const data = new TextEncoder().encode(text);
    files.push({ name, data });
    bytes += data.length;
  };

  for (const [rel, item] of Object.entries(provenance.items).sort(([a], [b]) => cmp(a, b))) {
    await add(`results/${rel}`, [target.resultsDir, rel], {
      sha256: item.sha256,
      size: manifests.get(item.key)?.outputs[item.output]?.size ?? -1,
    });
  }
  await add("results/provenance.json", [target.resultsDir, "provenance.json"]);
  const stateText = JSON.stringify(state, null, 2) + "\n";
  addData("state.json", stateText);

  const smallBytes = opts.withStore ? null : opts.smallBytes ?? DEFAULT_SMALL_BYTES;
  const entries: BundleInfo["entries"] = {};
  const omitted: BundleSummary["omitted"] = [];
  for (const key of [...manifests.keys()].sort()) {
    const m = manifests.get(key)!;
    await add(`store/${key}/manifest.json`, [store.entryDir(key), "manifest.json"]);
    const outputs: BundleInfo["entries"][string]["outputs"] = {};
    for (const [name, rec] of Object.entries(m.outputs).sort(([a], [b]) => cmp(a, b))) {
      const included = smallBytes === null || rec.size <= smallBytes;
      outputs[name] = { size: rec.size, included };
      if (included) await add(`store/${key}/${name}`, [store.entryDir(key), name], rec);
      else omitted.push({ node: m.node, key, output: name, size: rec.size });
    }
    entries[key] = { node: m.node, stage: m.stage, outputs };
  }
  const stages = stageCodes(p, target, manifests);

  const runtime: RuntimeFacts = await p.runtime();
  const git: GitInfo = await gitInfo(p.root);
  const info: BundleInfo = {
    format: BUNDLE_FORMAT,
    tool: p.name,
    target: target.name,
    targetOptions: definedOnly(opts.targetOptions),
    meta: target.meta,
    createdAt: new Date().toISOString(),
    git,
    versions: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
    },
    runtime: { base: runtime.base, needs: runtime.needs as Record<string, Record<string, string>> },
    stages,
    entries,
    smallBytes,
    omitted: { files: omitted.length, bytes: omitted.reduce((s, o) => s + o.size, 0) },
  };
  const infoText = JSON.stringify(info, null, 2) + "\n";
  addData("bundle.json", infoText);
  sums.push(`${sha256(infoText)}  bundle.json`, `${sha256(stateText)}  state.json`);
  sums.sort((a, b) => cmp(a.slice(66), b.slice(66)));
  const sumsText = sums.join("\n") + "\n";
  addData("SHA256SUMS", sumsText);
  // The anchor (anchor.ts): the root over every file, and its signature when asked for.
  const root = bundleRoot(sumsText);
  addData(ROOT_FILE, rootMessage(root));
  if (opts.signKey) addData(SIGNATURE_FILE, await signRoot(root, opts.signKey));

  // bundle.json, SHA256SUMS and the anchor first: a reader sees what the archive holds first.
  const first = new Set(["bundle.json", "SHA256SUMS", ROOT_FILE, SIGNATURE_FILE]);
  const head = files.filter((f) => first.has(f.name));
  const rest = files.filter((f) => !first.has(f.name));
  await writeTarGz(opts.out, [...head, ...rest]);
  return {
    out: opts.out,
    root,
    signed: opts.signKey !== undefined,
    files: files.length,
    bytes,
    entries: manifests.size,
    omitted,
    archiveBytes: (await Deno.stat(opts.out)).size,
  };
}

/**
 * Each stage of a run's entries: its module (relative to the project root) and the one code
 * fingerprint its entries share. Entries of one stage from two code versions are refused.
 */
export function stageCodes(
  p: Project,
  target: Target,
  manifests: ReadonlyMap<string, Manifest>,
): BundleInfo["stages"] {
  const stages: BundleInfo["stages"] = {};
  const modules = new Map(target.nodes.map((n) => [n.stage.name, n.stage.module]));
  for (const key of [...manifests.keys()].sort()) {
    const m = manifests.get(key)!;
    const module = modules.get(m.stage);
    const prior = stages[m.stage];
    if (prior && prior.code !== m.code.hash) {
      throw new Error(
        `stage ${m.stage} has entries from two code versions (${prior.code.slice(0, 12)}, ` +
          `${m.code.hash.slice(0, 12)}): rerun "reproduce" first`,
      );
    }
    stages[m.stage] = {
      module: module ? relative(p.root, new URL(module).pathname) : "",
      code: m.code.hash,
    };
  }
  return stages;
}

function definedOnly(o: TargetOptions): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
