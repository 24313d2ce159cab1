/**
 * Pending records: a node's full spec (stage, params, input entries, seed, runtime, code),
 * written to `store/.pending/<key>.json` before the node runs, so that `run-node <key>` can
 * execute it on any machine that sees the store. A record is untrusted data: it is validated
 * like every input, and it can only name a stage exported by the project's own code.
 */
import { join } from "node:path";
import { z } from "zod";
import type { GraphNode } from "../graph/graph.ts";
import type { NodeKey } from "../graph/keys.ts";
import { inputRecordSchema } from "../stage/manifest.ts";
import { writeJsonAtomic } from "../store/state.ts";
import type { Store } from "../store/store.ts";

const hex64Schema = z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits");

/** Schema of a pending record. */
export const pendingRecordSchema = z.strictObject({
  format: z.literal(1),
  key: hex64Schema,
  node: z.string().min(1),
  stage: z.string().min(1),
  /** Repository-relative path of the module that declares the stage (a file URL outside). */
  module: z.string().regex(
    /^(?:file:\/\/\/.+|(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$)).+)\.(?:ts|js)$/,
    "expected a repository-relative module path or a file URL",
  ),
  /** Name under which the module exports the stage (null: not exported, in-process only). */
  export: z.string().regex(/^[A-Za-z_$][\w$]*$/, "expected an identifier").nullable(),
  params: z.unknown(),
  seed: z.number().int(),
  inputs: z.record(z.string(), inputRecordSchema.extend({ key: hex64Schema })),
  runtime: z.record(z.string(), z.string()),
  code: z.strictObject({
    hash: z.string(),
    modules: z.record(z.string(), z.string()),
    packages: z.array(z.string()),
  }),
  createdAt: z.string(),
});

/** A validated pending record. */
export type PendingRecord = z.infer<typeof pendingRecordSchema>;

/** Path of the pending record of `key`. */
export function pendingPath(store: Store, key: string): string {
  return join(store.dir, ".pending", `${key}.json`);
}

/** Builds the pending record of a node whose key is known. */
export function pendingRecord(
  node: GraphNode,
  nk: NodeKey,
  where: { module: string; exportName: string | null },
): PendingRecord {
  return {
    format: 1,
    key: nk.key,
    node: node.id,
    stage: node.stage.name,
    module: where.module,
    export: where.exportName,
    params: node.params,
    seed: node.seed,
    inputs: nk.inputs,
    runtime: nk.parts.runtime,
    code: nk.code,
    createdAt: new Date().toISOString(),
  };
}

/** Writes a pending record atomically (with the user's umask). */
export async function writePending(store: Store, record: PendingRecord): Promise<void> {
  await writeJsonAtomic(pendingPath(store, record.key), record);
}

/** Reads and validates the pending record of `key`; the error names the file and field. */
export async function readPending(store: Store, key: string): Promise<PendingRecord> {
  if (!/^[0-9a-f]{64}$/.test(key)) {
    throw new Error(`"${key}" is not a node key (64 lowercase hex digits)`);
  }
  const path = pendingPath(store, key);
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`no pending record for ${key} (${path})`);
    }
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = pendingRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${path}: field ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  if (parsed.data.key !== key) {
    throw new Error(`${path}: field key: ${parsed.data.key} does not match the file name`);
  }
  return parsed.data;
}

/** Removes the pending record of `key` (no error when there is none). */
export async function removePending(store: Store, key: string): Promise<void> {
  await Deno.remove(pendingPath(store, key)).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}
