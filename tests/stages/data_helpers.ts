/**
 * Test helpers: runs the data nodes of `plan/data.ts` in order without the engine,
 * each in its own folder under a temporary directory.
 */
import { Rng } from "../../pipeline/stage/rng.ts";
import { type Progress, silentProgress } from "../../pipeline/stage/progress.ts";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { hashFile } from "../../pipeline/stage/hash.ts";
import { dataNodes } from "../../plan/data.ts";
import type { DatasetConfig } from "../../config/dataset.ts";
import { NO_CHECKPOINTS } from "../../pipeline/stage/checkpoint.ts";

/** Output paths per node id and output name. */
export type Outputs = Record<string, Record<string, string>>;

/** Runs one node with its inputs resolved against `outputs` (optionally its signal, progress). */
export async function runNode(
  node: NodeSpec,
  outputs: Outputs,
  root: string,
  ctx: { signal?: AbortSignal; progress?: Progress } = {},
): Promise<Record<string, unknown> | void> {
  const outDir = `${root}/${node.id}`;
  await Deno.mkdir(outDir, { recursive: true });
  const inputs: Record<string, string> = {};
  for (const [name, ref] of Object.entries(node.inputs)) {
    inputs[name] = outputs[ref.node][ref.output];
  }
  const params = node.stage.params.parse(node.params);
  const summary = await node.stage.run({
    params,
    inputs,
    outDir,
    rng: new Rng(node.seed),
    progress: ctx.progress ?? silentProgress,
    signal: ctx.signal ?? new AbortController().signal,
    log: () => {},
    checkpoint: NO_CHECKPOINTS,
  });
  outputs[node.id] = {};
  for (const o of node.stage.outputs) {
    const p = `${outDir}/${o}`;
    await Deno.stat(p); // every declared output must exist
    outputs[node.id][o] = p;
  }
  return summary;
}

/** Runs all data nodes for `config` under `root`; returns output paths. */
export async function runData(
  config: DatasetConfig,
  root: string,
  opts: { seed: number; negatives?: number; only?: string[] },
): Promise<Outputs> {
  const outputs: Outputs = {};
  for (const node of dataNodes(config, opts)) {
    if (opts.only && !opts.only.includes(node.id)) continue;
    await runNode(node, outputs, root);
  }
  return outputs;
}

/** SHA-256 of a file, hex. */
export async function sha256(path: string): Promise<string> {
  return (await hashFile(path)).sha256;
}

/** Throws `msg` unless `cond`. */
export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

/** Expects `fn` to reject with a message containing every part. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  ...parts: string[]
): Promise<string> {
  try {
    await fn();
  } catch (e) {
    const m = (e as Error).message;
    for (const p of parts) assert(m.includes(p), `error '${m}' lacks '${p}'`);
    return m;
  }
  throw new Error(`expected an error containing ${parts.join(", ")}`);
}
