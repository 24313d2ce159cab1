/**
 * The checks an untrusted copy of a run must pass before it is believed, shared by
 * `verify --bundle` (pipeline/bundle/verify.ts) and `pull` (pipeline/remote/pull.ts): a
 * manifest's key recomputed from its own content and its code fingerprint from its module list;
 * every input traced to its producer with the recorded hash; every published result traced to
 * the entry (and state) it came from.
 */
import { fingerprintHash } from "../graph/code_hash.ts";
import { keyOf, manifestKeyParts } from "../graph/keys.ts";
import type { Manifest } from "../stage/manifest.ts";
import type { RunState } from "../store/state.ts";
import { manifestProblems as storedEntryProblems } from "../store/entry.ts";

/** One problem, naming the file it concerns. */
export interface BundleProblem {
  file: string;
  problem: string;
}

/** One published result as `provenance.json` records it. */
export interface PublishedItem {
  node: string;
  key: string;
  output: string;
  sha256: string;
}

/**
 * What is wrong with manifest `m` found under key `key` (empty: nothing): everything the store
 * checks on read (pipeline/store/entry.ts), and also its content must give that key and its
 * code hash must match its module list.
 */
export function manifestProblems(key: string, m: Manifest): string[] {
  const out = storedEntryProblems(key, m);
  const recomputed = keyOf(manifestKeyParts(m));
  if (recomputed !== key) {
    out.push(
      `its content gives key ${recomputed}, not ${key}: the manifest was edited ` +
        `(stage, params, seed, input hashes, code or runtime)`,
    );
  }
  const code = fingerprintHash(m.code.modules, m.code.packages);
  if (code !== m.code.hash) {
    out.push(`code hash ${m.code.hash} does not match its module list (gives ${code})`);
  }
  return out;
}

/**
 * Every input of every manifest traced to its producer: the producer must be among `manifests`
 * and record the input's hash for that output. `where` names an entry's manifest file.
 */
export function inputProblems(
  manifests: ReadonlyMap<string, Manifest>,
  where: (key: string) => string,
): BundleProblem[] {
  const problems: BundleProblem[] = [];
  for (const [key, m] of manifests) {
    for (const [name, rec] of Object.entries(m.inputs)) {
      const producer = manifests.get(rec.key);
      const file = where(key);
      if (!producer) {
        problems.push({
          file,
          problem: `input "${name}" of node "${m.node}" comes from entry ${rec.key} ` +
            `(node "${rec.node}"), which is not in the bundle`,
        });
        continue;
      }
      const out = producer.outputs[rec.output];
      if (!out) {
        problems.push({
          file,
          problem: `input "${name}" names output "${rec.output}" of entry ${rec.key}, ` +
            `which has no such output`,
        });
      } else if (out.sha256 !== rec.sha256) {
        problems.push({
          file,
          problem: `input "${name}" of node "${m.node}" has sha256 ${rec.sha256}, but ` +
            `store/${rec.key}/${rec.output} is recorded as ${out.sha256}`,
        });
      }
    }
  }
  return problems;
}

/**
 * Every published result traced: its file has the hash `provenance.json` gives (`hashes` by
 * path relative to the results folder), its entry is among `manifests` and records that hash
 * for the output, and the state names that entry for the node. Problems name `results/<rel>`.
 */
export function publishedProblems(
  items: Readonly<Record<string, PublishedItem>>,
  manifests: ReadonlyMap<string, Manifest>,
  state: RunState | null,
  hashes: ReadonlyMap<string, { sha256: string }>,
): BundleProblem[] {
  const problems: BundleProblem[] = [];
  for (const [rel, item] of Object.entries(items)) {
    const f = `results/${rel}`;
    const got = hashes.get(rel);
    if (!got) problems.push({ file: f, problem: "listed in provenance.json but missing" });
    else if (got.sha256 !== item.sha256) {
      problems.push({
        file: f,
        problem: `sha256 ${got.sha256} differs from provenance.json (${item.sha256})`,
      });
    }
    const m = manifests.get(item.key);
    if (!m) {
      problems.push({
        file: f,
        problem: `produced by entry ${item.key} (node "${item.node}"), which is not in the bundle`,
      });
      continue;
    }
    const rec = m.outputs[item.output];
    if (!rec || rec.sha256 !== item.sha256) {
      problems.push({
        file: f,
        problem: `provenance.json gives sha256 ${item.sha256}, but its entry ` +
          `store/${item.key} records ${rec?.sha256 ?? "no such output"} for "${item.output}"`,
      });
    }
    if (state && state.nodes[item.node] !== item.key) {
      problems.push({
        file: f,
        problem: `produced by entry ${item.key}, but state.json gives node "${item.node}" ` +
          `entry ${state.nodes[item.node] ?? "none"}`,
      });
    }
  }
  return problems;
}
