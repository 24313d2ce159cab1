/**
 * Cache keys: SHA-256 over a node's stage name, code fingerprint, canonical params, seed,
 * input content hashes and the runtime facts its stage depends on.
 */
import type { GraphNode } from "./graph.ts";
import type { CodeFingerprint, CodeHasher } from "./code_hash.ts";
import type { InputRecord, KeyParts, Manifest } from "../stage/manifest.ts";
import type { RuntimeNeed } from "../stage/stage.ts";
import { canonicalJson, sha256 } from "../stage/hash.ts";

/** Runtime facts: always-included ones and those a stage opts into via `runtime`. */
export interface RuntimeFacts {
  /** Facts every key includes (e.g. the Deno version). */
  base: Record<string, string>;
  /** Facts per need a stage may list in its `runtime` (e.g. a library's version, backend). */
  needs: Record<RuntimeNeed, Record<string, string>>;
}

/**
 * The runtime facts that apply to one node. A need the project supplies no facts for is an
 * error: silently keying without them would reuse results across runtimes.
 */
export function runtimeFor(node: GraphNode, facts: RuntimeFacts): Record<string, string> {
  const out: Record<string, string> = { ...facts.base };
  for (const need of node.stage.runtime ?? []) {
    const group = Object.hasOwn(facts.needs, need) ? facts.needs[need] : undefined;
    if (!group) {
      throw new Error(
        `stage "${node.stage.name}" (node "${node.id}") needs runtime "${need}", which the project does not describe (known: ${
          Object.keys(facts.needs).join(", ") || "none"
        })`,
      );
    }
    for (const [k, v] of Object.entries(group)) out[`${need}.${k}`] = v;
  }
  return out;
}

/** A node's key with everything it was computed from. */
export interface NodeKey {
  key: string;
  parts: KeyParts;
  code: CodeFingerprint;
  inputs: Record<string, InputRecord>;
}

/**
 * Computes a node's key from its upstream manifests (by node id). Returns null when an
 * upstream entry is not available yet (its outputs, hence this key, are unknown).
 */
export async function nodeKey(
  node: GraphNode,
  upstream: Map<string, Manifest>,
  ctx: { hasher: CodeHasher; runtime: RuntimeFacts },
): Promise<NodeKey | null> {
  const inputs: Record<string, InputRecord> = {};
  const inputHashes: Record<string, string> = {};
  for (const [name, ref] of Object.entries(node.inputs)) {
    const m = upstream.get(ref.node);
    if (!m) return null;
    const out = m.outputs[ref.output];
    if (!out) throw new Error(`entry ${m.key} of node "${ref.node}" lacks output "${ref.output}"`);
    inputs[name] = { node: ref.node, key: m.key, output: ref.output, sha256: out.sha256 };
    inputHashes[name] = out.sha256;
  }
  const code = await ctx.hasher.fingerprint(node.stage.module);
  const parts: KeyParts = {
    stage: node.stage.name,
    code: code.hash,
    params: node.params,
    seed: node.seed,
    inputs: inputHashes,
    runtime: runtimeFor(node, ctx.runtime),
  };
  return { key: keyOf(parts), parts, code, inputs };
}

/** The cache key of a set of key parts. */
export function keyOf(parts: KeyParts): string {
  return sha256(canonicalJson(parts));
}

/**
 * The key parts a manifest records (so anyone holding only the manifest can recompute its key
 * and see whether it was edited).
 */
export function manifestKeyParts(m: Manifest): KeyParts {
  const inputs: Record<string, string> = {};
  for (const [name, rec] of Object.entries(m.inputs)) inputs[name] = rec.sha256;
  return {
    stage: m.stage,
    code: m.code.hash,
    params: m.params,
    seed: m.seed,
    inputs,
    runtime: m.runtime,
  };
}
