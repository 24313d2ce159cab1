/**
 * `pull`: fetches a target's run from a remote into the store, trusting nothing that comes
 * back. Every file is downloaded into a temporary folder inside the store (`store/.tmp/`) and
 * hashed against its manifest; every manifest's key is recomputed from its content and its code
 * fingerprint from its module list; inputs and published results are traced as
 * `verify --bundle` traces them (pipeline/bundle/entry_checks.ts); output and result names obey
 * the bundles' path rules (pipeline/bundle/archive.ts). Only then does an entry enter the store,
 * by an atomic rename, as a run commits one.
 *
 * A strict pull commits nothing when any problem is found (each one named), and leaves what the
 * store held as it was. A partial pull (`reproduce --pull`) commits each entry that verifies on
 * its own and leaves the rest, and the results and state, to the run.
 */
import { join } from "node:path";
import { checkName, UnsafeArchiveError } from "../bundle/archive.ts";
import {
  type BundleProblem,
  inputProblems,
  manifestProblems,
  type PublishedItem,
  publishedProblems,
} from "../bundle/entry_checks.ts";
import { type CodeComparison, compareCode } from "../bundle/verify.ts";
import type { CodeHasher } from "../graph/code_hash.ts";
import type { Project, Target } from "../graph/project.ts";
import { hashFile } from "../stage/hash.ts";
import { type Manifest, manifestSchema, type OutputRecord } from "../stage/manifest.ts";
import { recordState } from "../store/state.ts";
import type { Store } from "../store/store.ts";
import { entryName, objectName, type RunIndex, runIndexSchema, runName } from "./layout.ts";
import { DEFAULT_JOBS, mapPool } from "./pool.ts";
import { type Remote, RemoteError } from "./remote.ts";

/** Options of {@link pullTarget}. */
export interface PullOptions {
  /** Commit every entry that verifies on its own; skip results and state (default: strict). */
  partial?: boolean;
  /** Files downloaded at once (default {@link DEFAULT_JOBS}). */
  jobs?: number;
  /** Compares each pulled stage's code with the checkout's, as `verify --bundle` does. */
  checkout?: { root: string; hasher: CodeHasher };
}

/** What {@link pullTarget} did. */
export interface PullSummary {
  /** False when the remote holds no run of the target. */
  found: boolean;
  /** Entries of the run; already in the store; fetched and committed now. */
  entries: number;
  local: number;
  fetched: number;
  /** Bytes downloaded. */
  bytes: number;
  /** Problems, each naming the remote object (and what it was for); refused entries' keys. */
  problems: BundleProblem[];
  refused: string[];
  /** True when the results and state were written (strict pull without problems). */
  published: boolean;
  code?: CodeComparison[];
}

/** A name from the remote checked by the bundles' path rules; it must already be normal. */
function safeName(name: string): string {
  const normal = checkName(name);
  if (normal !== name) throw new UnsafeArchiveError(`entry "${name}": not a normal path`);
  return name;
}

/** Pulls the target's run from `remote` into `store` (see the module comment). */
export async function pullTarget(
  p: Project,
  target: Target,
  store: Store,
  remote: Remote,
  opts: PullOptions = {},
): Promise<PullSummary> {
  await remote.check();
  const s: PullSummary = {
    found: false,
    entries: 0,
    local: 0,
    fetched: 0,
    bytes: 0,
    problems: [],
    refused: [],
    published: false,
  };
  const staging: string[] = [];
  const scratch = await store.makeTemp("pull");
  staging.push(scratch);
  try {
    const jobs = opts.jobs ?? DEFAULT_JOBS;
    /** Verified files by hash: staged ones, and the outputs of local entries. */
    const verified = new Map<string, string>();
    /** Downloads under way by expected hash: a second file of that content waits for it. */
    const inflight = new Map<string, Promise<unknown>>();
    /**
     * Downloads `name` to `dest` and checks it; returns its hash, or null with the problem added
     * to `problems` (each transfer has its own list, merged in a fixed order afterwards).
     */
    const fetch = async (
      f: { name: string; dest: string; what: string; expected?: { sha256: string; size: number } },
      problems: BundleProblem[],
    ): Promise<{ sha256: string; size: number } | null> => {
      const { name, dest, what, expected } = f;
      const file = `${name} (${what})`;
      const pending = expected ? inflight.get(expected.sha256) : undefined;
      if (pending) await pending;
      const copy = expected ? verified.get(expected.sha256) : undefined;
      if (copy) {
        // Same content as a file already verified: copied (and checked), not downloaded again.
        await Deno.copyFile(copy, dest);
        const got = await hashFile(dest);
        if (got.sha256 === expected!.sha256 && got.size === expected!.size) return got;
      }
      const download = (async () => {
        try {
          if (!(await remote.download(name, dest))) {
            problems.push({ file, problem: "missing on the remote" });
            return null;
          }
        } catch (e) {
          if (e instanceof RemoteError) throw e;
          problems.push({ file, problem: `refused: ${(e as Error).message}` });
          return null;
        }
        const got = await hashFile(dest);
        s.bytes += got.size;
        if (expected && (got.sha256 !== expected.sha256 || got.size !== expected.size)) {
          problems.push({
            file,
            problem: `sha256 ${got.sha256} (${got.size} bytes) differs from its record ` +
              `(${expected.sha256}, ${expected.size} bytes): tampered or truncated, refused`,
          });
          return null;
        }
        if (expected) verified.set(got.sha256, dest);
        return got;
      })();
      if (expected && !inflight.has(expected.sha256)) {
        const settled = download.catch(() => {}).finally(() => inflight.delete(expected.sha256));
        inflight.set(expected.sha256, settled);
      }
      return await download;
    };
    /** Runs transfers `jobs` at once; their problems are added in the transfers' order. */
    const fetchAll = async <T>(
      list: readonly T[],
      one: (item: T, problems: BundleProblem[]) => Promise<void>,
    ): Promise<BundleProblem[][]> => {
      const lists = await mapPool(list, jobs, async (item) => {
        const problems: BundleProblem[] = [];
        await one(item, problems);
        return problems;
      });
      for (const l of lists) s.problems.push(...l);
      return lists;
    };

    // The run index.
    const indexFile = join(scratch, "index.json");
    if (!(await remote.download(runName(target.name), indexFile))) return s;
    s.found = true;
    let index: RunIndex;
    try {
      const parsed = runIndexSchema.safeParse(JSON.parse(await Deno.readTextFile(indexFile)));
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new Error(`field "${i.path.join(".")}": ${i.message}`);
      }
      index = parsed.data;
    } catch (e) {
      s.problems.push({ file: runName(target.name), problem: (e as Error).message });
      return s;
    }
    if (index.tool !== p.name || index.target !== target.name) {
      s.problems.push({
        file: runName(target.name),
        problem: `is a run of ${index.tool} target ${index.target}, not ${p.name} ${target.name}`,
      });
      return s;
    }

    // Entries: local ones as they are, the others staged and checked: first every manifest,
    // then every object they name, `jobs` transfers at once.
    const manifests = new Map<string, Manifest>();
    const staged = new Map<string, string>();
    const bad = new Set<string>();
    const keys = Object.keys(index.entries).sort();
    s.entries = keys.length;
    const missing: string[] = [];
    for (const key of keys) {
      const local = await store.readManifest(key);
      if (!local) {
        missing.push(key);
        continue;
      }
      for (const [name, rec] of Object.entries(local.outputs)) {
        verified.set(rec.sha256, store.outputPath(key, name));
      }
      manifests.set(key, local);
      s.local++;
    }
    for (const key of missing) {
      const dir = await store.makeTemp(key);
      staging.push(dir);
      staged.set(key, dir);
    }
    const fetchedManifest = await fetchAll(missing, async (key, problems) => {
      const dest = join(staged.get(key)!, "manifest.json");
      await fetch({ name: entryName(key), dest, what: "manifest" }, problems);
    });
    const objects: { key: string; name: string; dest: string; rec: OutputRecord }[] = [];
    for (const [i, key] of missing.entries()) {
      if (fetchedManifest[i].length > 0) {
        bad.add(key);
        continue;
      }
      const dir = staged.get(key)!;
      let json: unknown = null;
      try {
        json = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
      } catch (e) {
        if (!(e instanceof SyntaxError || e instanceof TypeError)) throw e;
      }
      const parsed = manifestSchema.safeParse(json);
      if (!parsed.success) {
        s.problems.push({ file: entryName(key), problem: "not a valid manifest" });
        bad.add(key);
        continue;
      }
      const m = parsed.data;
      for (const problem of manifestProblems(key, m)) {
        s.problems.push({ file: entryName(key), problem });
        bad.add(key);
      }
      for (const [name, rec] of Object.entries(m.outputs)) {
        let out: string;
        try {
          out = safeName(name);
        } catch (e) {
          s.problems.push({ file: entryName(key), problem: (e as Error).message });
          bad.add(key);
          continue;
        }
        const dest = join(dir, out);
        await Deno.mkdir(join(dest, ".."), { recursive: true });
        objects.push({ key, name, dest, rec });
      }
      manifests.set(key, m);
    }
    const fetchedObjects = await fetchAll(objects, async (o, problems) => {
      const what = `store/${o.key.slice(0, 12)}…/${o.name}`;
      await fetch(
        { name: objectName(o.rec.sha256), dest: o.dest, what, expected: o.rec },
        problems,
      );
    });
    for (const [i, o] of objects.entries()) if (fetchedObjects[i].length > 0) bad.add(o.key);
    const graph = inputProblems(manifests, (key) => entryName(key));
    s.problems.push(...graph);
    if (!opts.partial) {
      for (const pr of graph) bad.add(pr.file.slice("entries/".length, -".json".length));
    }

    // Published results and provenance.json, staged and traced.
    const resultsDir = join(scratch, "results");
    const hashes = new Map<string, { sha256: string }>();
    if (!opts.partial) {
      const results: { rel: string; dest: string; rec: { sha256: string; size: number } }[] = [];
      for (const [rel, rec] of Object.entries(index.results)) {
        let name: string;
        try {
          name = safeName(rel);
        } catch (e) {
          s.problems.push({ file: runName(target.name), problem: (e as Error).message });
          continue;
        }
        const dest = join(resultsDir, name);
        await Deno.mkdir(join(dest, ".."), { recursive: true });
        results.push({ rel, dest, rec });
      }
      const got: ({ sha256: string; size: number } | null)[] = new Array(results.length);
      await fetchAll(results.map((r, i) => ({ ...r, i })), async (r, problems) => {
        const f = { name: objectName(r.rec.sha256), dest: r.dest, what: `results/${r.rel}` };
        got[r.i] = await fetch({ ...f, expected: r.rec }, problems);
      });
      for (const [i, r] of results.entries()) if (got[i]) hashes.set(r.rel, got[i]!);
      let items: Record<string, PublishedItem> = {};
      if (hashes.has("provenance.json")) {
        try {
          const prov = JSON.parse(await Deno.readTextFile(join(resultsDir, "provenance.json")));
          items = (prov?.items ?? {}) as Record<string, PublishedItem>;
        } catch (e) {
          s.problems.push({ file: "results/provenance.json", problem: (e as Error).message });
        }
      }
      s.problems.push(...publishedProblems(items, manifests, index.state, hashes));
      for (const rel of hashes.keys()) {
        if (rel !== "provenance.json" && !Object.hasOwn(items, rel)) {
          s.problems.push({ file: `results/${rel}`, problem: "not in provenance.json" });
        }
      }
      for (const key of Object.values(index.state.nodes)) {
        if (!manifests.has(key)) {
          s.problems.push({
            file: runName(target.name),
            problem: `its state names entry ${key}, which is not in the run`,
          });
        }
      }
    }

    if (opts.checkout) s.code = await compareCode(index, manifests, opts.checkout);
    s.refused = [...bad].sort();
    if (!opts.partial && s.problems.length > 0) return s;

    // Commit: each good entry by an atomic rename; then the results and the state.
    for (const [key, dir] of staged) {
      if (bad.has(key)) continue;
      await store.commit(dir, key);
      s.fetched++;
    }
    if (!opts.partial) {
      // provenance.json last: it names the results, which are all in place before it.
      const rels = [...hashes.keys()].filter((r) => r !== "provenance.json").sort();
      for (const rel of [...rels, "provenance.json"]) {
        await placeFile(join(resultsDir, rel), join(target.resultsDir, rel));
      }
      await recordState(p.artifactsRoot, target.name, index.state.nodes);
      s.published = true;
    }
    return s;
  } finally {
    for (const dir of staging) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Copies a verified file into place through a temporary file and a rename. */
async function placeFile(src: string, dest: string): Promise<void> {
  await Deno.mkdir(join(dest, ".."), { recursive: true });
  const tmp = `${dest}.${crypto.randomUUID()}.tmp`;
  await Deno.copyFile(src, tmp);
  await Deno.rename(tmp, dest);
}
