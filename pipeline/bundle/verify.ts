/**
 * `verify --bundle`: checks a bundle (pipeline/bundle/bundle.ts) offline, without the store or the
 * repository. The archive is untrusted: it is unpacked only into a fresh temporary folder
 * (pipeline/bundle/archive.ts refuses unsafe entries and sizes), nothing in it is executed, and the
 * folder is removed afterwards.
 *
 * Checks: every file against `SHA256SUMS` (and no unlisted file); every manifest's key
 * recomputed from its own content (an edited manifest no longer matches its key) and its code
 * fingerprint from its module list; every included output against its manifest, every omitted
 * one declared in `bundle.json`; the graph: every entry's inputs trace to a producer entry in
 * the bundle whose output has the recorded hash, the state names only bundled entries, and
 * every published result traces to an entry with the same hash.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BundleInfo, bundleInfoSchema } from "./bundle.ts";
import type { CodeHasher } from "../graph/code_hash.ts";
import { DEFAULT_LIMITS, type ExtractLimits, extractTarGz, UnsafeArchiveError } from "./archive.ts";
import { hashFile } from "../stage/hash.ts";
import {
  type BundleProblem,
  inputProblems,
  manifestProblems,
  type PublishedItem,
  publishedProblems,
} from "./entry_checks.ts";
import { type Manifest, manifestSchema } from "../stage/manifest.ts";
import { type RunState, runStateSchema } from "../store/state.ts";
import { listFiles } from "../store/list_files.ts";
import { statOrNull } from "../stage/absent.ts";
import {
  bundleRoot,
  ROOT_FILE,
  rootMessage,
  SIGNATURE_FILE,
  verifyRootSignature,
} from "./anchor.ts";
import { checkoutModule, rerunBundled, type RerunResult, type RerunSelection } from "./recheck.ts";

/** Files of a bundle that SHA256SUMS does not list: itself and the anchor. */
const UNLISTED = new Set(["SHA256SUMS", ROOT_FILE, SIGNATURE_FILE]);

export type { BundleProblem } from "./entry_checks.ts";

/** A stage's code in the bundle against the checkout's. */
export interface CodeComparison {
  stage: string;
  module: string;
  bundle: string;
  /** Null when the module is not in the checkout. */
  checkout: string | null;
  same: boolean;
  /** Modules whose source differs, is new or is gone. */
  changed: string[];
}

/** What {@link verifyBundle} found. */
export interface BundleVerifyReport {
  info: BundleInfo | null;
  /** The root digest recomputed from the bundle (anchor.ts); null without SHA256SUMS. */
  root: string | null;
  /** The principal whose SSH signature of the root was checked (`allowedSigners`). */
  signer?: string;
  /** Stages rerun from their bundled inputs and what their outputs gave (recheck.ts). */
  reruns?: RerunResult[];
  files: number;
  bytes: number;
  entries: number;
  problems: BundleProblem[];
  /** Per stage, when compared with a checkout. */
  code?: CodeComparison[];
}

interface Published {
  items: Record<string, PublishedItem>;
}

async function readJson(dir: string, rel: string, problems: BundleProblem[]): Promise<unknown> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, rel)));
  } catch (e) {
    problems.push({
      file: rel,
      problem: e instanceof Deno.errors.NotFound
        ? "missing"
        : `not valid JSON: ${(e as Error).message}`,
    });
    return undefined;
  }
}

/** Verifies an unpacked bundle folder; returns the report and the manifests by key. */
export async function verifyBundleDir(
  dir: string,
): Promise<{ report: BundleVerifyReport; manifests: Map<string, Manifest> }> {
  const problems: BundleProblem[] = [];
  const files = await listFiles(dir);
  const hashes = new Map<string, { sha256: string; size: number }>();
  for (const f of files) hashes.set(f, await hashFile(join(dir, f)));
  const bytes = [...hashes.values()].reduce((s, h) => s + h.size, 0);

  // bundle.json
  let info: BundleInfo | null = null;
  const rawInfo = await readJson(dir, "bundle.json", problems);
  if (rawInfo !== undefined) {
    const parsed = bundleInfoSchema.safeParse(rawInfo);
    if (parsed.success) info = parsed.data;
    else {
      const i = parsed.error.issues[0];
      problems.push({ file: "bundle.json", problem: `field "${i.path.join(".")}": ${i.message}` });
    }
  }

  // SHA256SUMS: every listed file matches, every file is listed.
  const listed = new Set<string>();
  try {
    const lines = (await Deno.readTextFile(join(dir, "SHA256SUMS"))).split("\n");
    lines.forEach((line, i) => {
      if (line === "") return;
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (!m) {
        problems.push({ file: "SHA256SUMS", problem: `line ${i + 1}: not "<sha256>  <file>"` });
        return;
      }
      listed.add(m[2]);
      const got = hashes.get(m[2]);
      if (!got) problems.push({ file: m[2], problem: "listed in SHA256SUMS but missing" });
      else if (got.sha256 !== m[1]) {
        problems.push({
          file: m[2],
          problem: `sha256 ${got.sha256} differs from SHA256SUMS (${m[1]})`,
        });
      }
    });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    problems.push({ file: "SHA256SUMS", problem: "missing" });
  }
  for (const f of files) {
    if (!UNLISTED.has(f) && !listed.has(f)) {
      problems.push({ file: f, problem: "not listed in SHA256SUMS" });
    }
  }

  // The anchor: SHA-256 of SHA256SUMS (anchor.ts); ROOT, when present, must say the same.
  let root: string | null = null;
  try {
    root = bundleRoot(await Deno.readFile(join(dir, "SHA256SUMS")));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (root && files.includes(ROOT_FILE)) {
    const recorded = await Deno.readTextFile(join(dir, ROOT_FILE));
    if (recorded !== rootMessage(root)) {
      problems.push({
        file: ROOT_FILE,
        problem: `records ${recorded.trim().slice(0, 80)}, but SHA256SUMS gives root ${root}`,
      });
    }
  }

  // Manifests: key from content, code fingerprint, outputs.
  const manifests = new Map<string, Manifest>();
  const storeDirs = new Set(
    files.filter((f) => f.startsWith("store/")).map((f) => f.split("/")[1]),
  );
  for (const key of [...storeDirs].sort()) {
    const rel = `store/${key}/manifest.json`;
    const raw = await readJson(dir, rel, problems);
    if (raw === undefined) continue;
    const parsed = manifestSchema.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      problems.push({ file: rel, problem: `field "${i.path.join(".")}": ${i.message}` });
      continue;
    }
    const m = parsed.data;
    manifests.set(key, m);
    for (const problem of manifestProblems(key, m)) problems.push({ file: rel, problem });
    const declared = info?.entries[key];
    for (const [name, rec] of Object.entries(m.outputs)) {
      const f = `store/${key}/${name}`;
      const got = hashes.get(f);
      if (!got) {
        const d = declared?.outputs[name];
        if (!d || d.included || d.size !== rec.size) {
          problems.push({ file: f, problem: "missing (not declared as left out in bundle.json)" });
        }
      } else if (got.size !== rec.size || got.sha256 !== rec.sha256) {
        problems.push({
          file: f,
          problem: `sha256 ${got.sha256} (${got.size} bytes) differs from its manifest ` +
            `(${rec.sha256}, ${rec.size} bytes)`,
        });
      }
    }
    for (const f of files.filter((f) => f.startsWith(`store/${key}/`))) {
      const name = f.slice(`store/${key}/`.length);
      if (name !== "manifest.json" && !Object.hasOwn(m.outputs, name)) {
        problems.push({ file: f, problem: "not an output of its entry's manifest" });
      }
    }
  }
  for (const key of Object.keys(info?.entries ?? {})) {
    if (!storeDirs.has(key)) {
      problems.push({
        file: `store/${key}/manifest.json`,
        problem: `entry of node "${info!.entries[key].node}" listed in bundle.json is missing`,
      });
    }
  }

  // Graph: every input traces to its producer with the recorded hash.
  problems.push(...inputProblems(manifests, (key) => `store/${key}/manifest.json`));

  // State: only bundled entries.
  const rawState = await readJson(dir, "state.json", problems);
  let state: RunState | null = null;
  if (rawState !== undefined) {
    const parsed = runStateSchema.safeParse(rawState);
    if (parsed.success) state = parsed.data;
    else problems.push({ file: "state.json", problem: parsed.error.issues[0].message });
  }
  for (const [node, key] of Object.entries(state?.nodes ?? {})) {
    if (!manifests.has(key)) {
      problems.push({
        file: "state.json",
        problem: `node "${node}" names entry ${key}, which is not in the bundle`,
      });
    }
  }

  // Published results: each traces to an entry with the same hash.
  const prov = await readJson(dir, "results/provenance.json", problems) as Published | undefined;
  const items = prov?.items ?? {};
  const resultHashes = new Map(
    [...hashes].filter(([f]) => f.startsWith("results/")).map(([f, h]) => [f.slice(8), h]),
  );
  problems.push(...publishedProblems(items, manifests, state, resultHashes));
  for (const f of files.filter((f) => f.startsWith("results/"))) {
    const rel = f.slice("results/".length);
    if (rel !== "provenance.json" && !Object.hasOwn(items, rel)) {
      problems.push({ file: f, problem: "not in provenance.json" });
    }
  }

  return {
    report: { info, root, files: files.length, bytes, entries: manifests.size, problems },
    manifests,
  };
}

/** Options of {@link verifyBundle}. */
export interface VerifyBundleOptions {
  limits?: ExtractLimits;
  /** Folder to make the temporary folder in (default: the system's). */
  tmpDir?: string;
  /** Compares each stage's code with a checkout's (see {@link compareCode}). */
  checkout?: { root: string; hasher: CodeHasher };
  /** The published root: a bundle whose root differs is refused. */
  expectRoot?: string;
  /** An `allowed_signers` file: the bundle's `ROOT.sig` must sign its root by one of them. */
  allowedSigners?: string;
  /**
   * Reruns stages from their bundled inputs with the checkout's code and compares the bytes
   * (recheck.ts); needs `checkout`.
   */
  rerun?: Omit<RerunSelection, "checkout">;
}

/**
 * Unpacks an untrusted bundle into a fresh temporary folder, verifies it and removes the
 * folder. An unsafe archive is reported as a problem naming the entry; nothing is verified.
 */
export async function verifyBundle(
  file: string,
  opts: VerifyBundleOptions = {},
): Promise<BundleVerifyReport> {
  await Deno.stat(file).catch(() => {
    throw new Error(`bundle ${file} not found`);
  });
  const tmp = await Deno.makeTempDir({ prefix: "bundle-verify-", dir: opts.tmpDir });
  try {
    try {
      await extractTarGz(file, tmp, opts.limits ?? DEFAULT_LIMITS);
    } catch (e) {
      if (!(e instanceof UnsafeArchiveError)) throw e;
      return {
        info: null,
        root: null,
        files: 0,
        bytes: 0,
        entries: 0,
        problems: [{ file, problem: `refused: ${e.message}` }],
      };
    }
    const { report, manifests } = await verifyBundleDir(tmp);
    await checkAnchor(tmp, report, opts);
    if (opts.checkout && report.info) {
      report.code = await compareCode(report.info, manifests, opts.checkout);
    }
    if (opts.rerun && opts.checkout && report.info) {
      const sel = { ...opts.rerun, checkout: opts.checkout };
      const r = await rerunBundled(tmp, report.info, manifests, sel);
      report.reruns = r.results;
      report.problems.push(...r.problems);
    }
    return report;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** Checks the root against the published one and its signature against allowed signers. */
async function checkAnchor(
  dir: string,
  report: BundleVerifyReport,
  opts: VerifyBundleOptions,
): Promise<void> {
  const root = report.root;
  if (opts.expectRoot !== undefined && root !== opts.expectRoot.trim().toLowerCase()) {
    report.problems.push({
      file: "SHA256SUMS",
      problem: `root ${root ?? "(none: no SHA256SUMS)"} is not the expected ${opts.expectRoot}: ` +
        `this is not the published bundle`,
    });
  }
  if (opts.allowedSigners === undefined) return;
  let signature: string;
  try {
    signature = await Deno.readTextFile(join(dir, SIGNATURE_FILE));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    report.problems.push({ file: SIGNATURE_FILE, problem: "missing: the bundle is not signed" });
    return;
  }
  if (!root) return;
  try {
    report.signer = await verifyRootSignature(root, signature, opts.allowedSigners);
  } catch (e) {
    report.problems.push({ file: SIGNATURE_FILE, problem: (e as Error).message });
  }
}

/**
 * Each bundled (or pulled) stage's code fingerprint against the checkout's, with the modules
 * that differ (from a manifest of that stage).
 */
export async function compareCode(
  info: Pick<BundleInfo, "stages">,
  manifests: Map<string, Manifest>,
  checkout: { root: string; hasher: CodeHasher },
): Promise<CodeComparison[]> {
  const out: CodeComparison[] = [];
  for (const [stage, s] of Object.entries(info.stages).sort(([a], [b]) => a < b ? -1 : 1)) {
    const url = checkoutModule(checkout, s.module);
    if (!url || !(await statOrNull(fileURLToPath(url)))) {
      out.push({
        stage,
        module: s.module,
        bundle: s.code,
        checkout: null,
        same: false,
        changed: [],
      });
      continue;
    }
    const fp = await checkout.hasher.fingerprint(url);
    const theirs = [...manifests.values()].find((m) => m.stage === stage)?.code.modules ?? {};
    const names = new Set([...Object.keys(theirs), ...Object.keys(fp.modules)]);
    const changed = [...names].filter((n) => theirs[n] !== fp.modules[n]).sort();
    out.push({
      stage,
      module: s.module,
      bundle: s.code,
      checkout: fp.hash,
      same: fp.hash === s.code,
      changed,
    });
  }
  return out;
}
