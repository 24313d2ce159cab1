/**
 * Training on the WebGPU device (models/webgpu_train.ts): no tensor leaks (the engine's tensor
 * count is the same after every epoch), the loss falls, the host weights are updated every
 * epoch, and a run resumed from an epoch's checkpoint state ends where the straight run ends.
 * Skipped, saying why, only on a machine without a WebGPU adapter.
 */
import * as tf from "@tensorflow/tfjs";
import { initTf } from "../../models/tf_backend.ts";
import { train, type TrainState } from "../../models/train.ts";
import type { FeatureMatrix, Hyper, ModelKind, TrainSet } from "../../models/types.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { assertAllClose } from "../assert_close.ts";
import { assert, randn } from "./_reference.ts";
import { hasWebgpu } from "./_webgpu.ts";

const HP: Hyper = {
  k: 8,
  batchSize: 16,
  lr: [0.05, 0.05, 0.05],
  regs: [1e-3, 1e-3, 1e-4],
  initStd: 0.01,
};

function problem() {
  const rng = new Rng(3);
  const nUsers = 40;
  const nItems = 60;
  const dim = 24;
  const features: FeatureMatrix = { rows: nItems, dim, data: randn(nItems * dim, 1, rng) };
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    for (let t = 0; t < 4; t++) {
      users.push(u);
      items.push((u * 7 + t * 13) % nItems);
    }
  }
  const data: TrainSet = {
    nUsers,
    nItems,
    users: Int32Array.from(users),
    items: Int32Array.from(items),
  };
  return { data, features };
}

const ready = await hasWebgpu("the WebGPU training tests");
if (ready) await initTf({ backend: "webgpu" });

for (const model of ["vbpr", "amr"] as ModelKind[]) {
  Deno.test(`${model} on WebGPU: no tensor leaks across epochs, the loss falls`, async () => {
    if (!ready) return;
    const { data, features } = problem();
    const counts: number[] = [];
    const losses: number[] = [];
    const firstP: number[] = [];
    await train(model, data, features, HP, {
      rng: new Rng(1),
      epochs: 6,
      ...(model === "amr" ? { adversary: { kind: "grad", eps: 0.5, lambda: 1 } } : {}),
      onEpoch: (_e, stats, w) => {
        counts.push(tf.memory().numTensors);
        losses.push(stats.loss);
        firstP.push(w.P[0]);
      },
    });
    assert(counts.every((c) => c === counts[0]), `tensor count per epoch: ${counts}`);
    assert(losses.every(Number.isFinite) && losses[5] < losses[0], `losses ${losses}`);
    assert(new Set(firstP).size === firstP.length, `P[0] per epoch ${firstP}`);
  });
}

Deno.test("WebGPU training resumed from an epoch's state ends where the straight run ends", async () => {
  if (!ready) return;
  const { data, features } = problem();
  const adversary = { kind: "grad", eps: 0.5, lambda: 1 } as const;
  let saved: TrainState | null = null;
  const straight = await train("amr", data, features, HP, {
    rng: new Rng(2),
    epochs: 4,
    adversary,
    onEpoch: (e, _s, _w, state) => {
      if (e === 2) saved = structuredClone(state());
    },
  });
  const resumed = await train("amr", data, features, HP, {
    rng: new Rng(2),
    epochs: 4,
    adversary,
    resume: saved!,
  });
  // The same device arithmetic in the same order: equal to float rounding.
  assertAllClose(resumed.E!, straight.E!, { rtol: 1e-5, atol: 1e-7, msg: "E" });
  assertAllClose(resumed.P, straight.P, { rtol: 1e-5, atol: 1e-7, msg: "P" });
});
