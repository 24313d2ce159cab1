/**
 * Test helpers for the model stages: the smoke dataset's data nodes and the smoke profile's
 * model nodes, run without the engine (see data_helpers.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Checkpointer, FileCheckpointer } from "../../pipeline/stage/checkpoint.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { silentProgress } from "../../pipeline/stage/progress.ts";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { type DatasetConfig, loadDatasetConfig } from "../../config/dataset.ts";
import { loadProfile, type Profile } from "../../config/profile.ts";
import { modelNodes } from "../../plan/models.ts";
import { type Outputs, runData, runNode } from "./data_helpers.ts";

const CONFIGS = new URL("../../configs", import.meta.url).pathname;

/** The smoke dataset and profile, with their data already run under `root`. */
export interface SmokeSetup {
  /** Temporary folder holding every node's outputs. */
  root: string;
  dataset: DatasetConfig;
  profile: Profile;
  /** Output paths by node id and output name. */
  outputs: Outputs;
  /** The smoke profile's model nodes by id. */
  nodes: Map<string, NodeSpec>;
}

/** Runs the smoke data nodes in a fresh temporary folder. */
export async function smokeSetup(): Promise<SmokeSetup> {
  const root = await Deno.makeTempDir({ prefix: "amr_models_" });
  const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
  const profile = await loadProfile(CONFIGS, "smoke");
  const outputs = await runData(dataset, root, {
    seed: profile.seed,
    negatives: profile.negatives,
  });
  const nodes = new Map(modelNodes(dataset, profile).map((n) => [n.id, n]));
  return { root, dataset, profile, outputs, nodes };
}

/** Runs `node` (possibly modified) against the setup's outputs; returns its output paths. */
export async function runModelNode(
  s: SmokeSetup,
  node: NodeSpec,
): Promise<Record<string, string>> {
  await runNode(node, s.outputs, s.root);
  return s.outputs[node.id];
}

/** Reads a float32 `.npy` file's bytes after the header, for exact comparisons. */
export async function npyBody(path: string): Promise<Uint8Array> {
  const bytes = await Deno.readFile(path);
  const headerLen = new DataView(bytes.buffer).getUint16(8, true);
  return bytes.subarray(10 + headerLen);
}

/**
 * Runs `node` into `<root>/<id>-resumed` twice: first until the checkpoint of epoch `stopAt` is
 * saved (then it is stopped, as by a kill), then again from that checkpoint to the end. Returns
 * the folder and what the second run logged.
 */
export async function stoppedAndResumed(
  s: SmokeSetup,
  node: NodeSpec,
  stopAt: number,
): Promise<{ outDir: string; logs: string[] }> {
  const outDir = join(s.root, `${node.id}-resumed`);
  await Deno.mkdir(outDir);
  const inputs: Record<string, string> = {};
  for (const [name, ref] of Object.entries(node.inputs)) {
    inputs[name] = s.outputs[ref.node][ref.output];
  }
  const file = new FileCheckpointer(
    { path: join(s.root, `${node.id}.ckpt`), key: node.id, policy: { everyEpochs: 1 } },
    () => {},
  );
  const logs: string[] = [];
  const run = (checkpoint: Checkpointer) =>
    node.stage.run({
      params: node.stage.params.parse(node.params),
      inputs,
      outDir,
      rng: new Rng(node.seed),
      progress: silentProgress,
      signal: new AbortController().signal,
      log: (m) => logs.push(m),
      checkpoint,
    });
  const stopping: Checkpointer = {
    load: () => file.load(),
    due: (e) => file.due(e),
    save: async (d) => {
      await file.save(d);
      if (d.meta.epoch === stopAt) throw new Error("stopped");
    },
  };
  await assert.rejects(() => run(stopping), /stopped/);
  logs.length = 0;
  await run(file);
  return { outDir, logs };
}
