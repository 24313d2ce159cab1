/**
 * The WebGPU training step against the WASM step (models/bpr_step.ts) on the same batch: loss
 * terms and every parameter's gradient, for each model with E, both regulariser forms and every
 * adversary. Runs on whatever adapter the machine has (lavapipe in CI); skipped, saying why,
 * only when there is none.
 *
 * Tolerance: |webgpu - wasm| <= 1e-5 + 1e-4 |wasm| per value (float32 on both sides, summed
 * in different orders; the WASM step also sums some terms in float64).
 */
import * as tf from "@tensorflow/tfjs";
import { bprGradients } from "../../models/bpr_step.ts";
import type { AdversaryPath } from "../../models/bpr_step.ts";
import { createOptimizerState } from "../../models/adagrad.ts";
import { initTf } from "../../models/tf_backend.ts";
import { releaseDeviceFeatures } from "../../models/device_features.ts";
import type { AdversaryConfig, ModelKind, RegulariserForm } from "../../models/types.ts";
import {
  createDeviceWorkspace,
  deviceGradients,
  disposeModel,
  type ParamName,
  uploadModel,
} from "../../models/webgpu_step.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { assertAllClose } from "../assert_close.ts";
import { tinyProblem } from "./_reference.ts";
import { hasWebgpu, switchToWebgpu } from "./_webgpu.ts";

const REGS = [0.1, 0.05, 0.02] as const;
const TOL = { rtol: 1e-4, atol: 1e-5 };

interface Case {
  model: ModelKind;
  regulariser: RegulariserForm;
  adversary?: AdversaryConfig;
  path?: AdversaryPath;
}

const CASES: Case[] = [];
for (const regulariser of ["official", "paper"] as const) {
  for (const model of ["duif", "vbpr", "vbpr-eq2"] as const) CASES.push({ model, regulariser });
  const grad = { kind: "grad", eps: 0.5, lambda: 1 } as const;
  CASES.push({ model: "amr", regulariser, adversary: grad });
  CASES.push({ model: "amr", regulariser, adversary: grad, path: "materialised" });
  CASES.push({ model: "amr", regulariser, adversary: { kind: "sign", eps: 0.05, lambda: 0.5 } });
  CASES.push({ model: "amr", regulariser, adversary: { kind: "rand", eps: 0.5, lambda: 0.5 } });
  CASES.push({ model: "vbpr-eq2", regulariser, adversary: grad });
}

const label = (c: Case) =>
  `${c.model} ${c.regulariser}${c.adversary ? ` ${c.adversary.kind}` : ""}${
    c.path ? ` ${c.path}` : ""
  }`;

/** Dense table gradient from the WASM step's sparse rows. */
function dense(rows: Int32Array, g: Float32Array, size: number, k: number): Float32Array {
  const out = new Float32Array(size);
  for (let r = 0; r < rows.length; r++) {
    for (let c = 0; c < k; c++) out[rows[r] * k + c] += g[r * k + c];
  }
  return out;
}

Deno.test("the WebGPU step's gradients match the WASM step's for every model and adversary", async () => {
  if (!(await hasWebgpu("the WebGPU step test"))) return;
  await initTf({ backend: "wasm", threads: 1 });
  const problems = CASES.map((c) => tinyProblem(c.model, { seed: 11, k: 8, dim: 32 }));
  const wasm = CASES.map((c, t) => {
    const { w, features, batch } = problems[t];
    const g = bprGradients(w, batch, {
      ...c,
      features,
      regs: REGS,
      adversaryPath: c.path,
      rng: new Rng(5),
    });
    const k = w.k;
    const byName: Partial<Record<ParamName, Float32Array>> = {
      P: dense(g.users, g.gP, w.P.length, k),
      ...(g.gQ && w.Q ? { Q: dense(g.items, g.gQ, w.Q.length, k) } : {}),
      ...(g.gH && w.H ? { H: dense(g.users, g.gH, w.H.length, k) } : {}),
      ...(g.gE ? { E: g.gE } : {}),
    };
    return { terms: [g.loss, g.advLoss, g.regLoss], grads: byName };
  });
  const wasmTensors = tf.memory().numTensors; // the WASM step's heap buffers, kept by design
  await switchToWebgpu();
  for (let t = 0; t < CASES.length; t++) {
    const c = CASES[t];
    const { w, features, batch, nItems } = problems[t];
    const m = uploadModel(w, createOptimizerState(w));
    const out = deviceGradients(m, batch, {
      ...c,
      features,
      regs: REGS,
      adversaryPath: c.path,
      rng: new Rng(5),
      workspace: createDeviceWorkspace(nItems),
    });
    assertAllClose(await out.terms.data(), wasm[t].terms, { ...TOL, msg: `${label(c)} terms` });
    const names = Object.keys(wasm[t].grads).sort();
    const got = Object.keys(out.grads).sort();
    if (names.join() !== got.join()) throw new Error(`${label(c)}: ${got} != ${names}`);
    for (const n of names as ParamName[]) {
      assertAllClose(await out.grads[n]!.data(), wasm[t].grads[n]!, {
        ...TOL,
        msg: `${label(c)} gradient of ${n}`,
      });
      out.grads[n]!.dispose();
    }
    out.terms.dispose();
    disposeModel(m);
    releaseDeviceFeatures(features);
  }
  if (tf.memory().numTensors !== wasmTensors) {
    throw new Error(`${tf.memory().numTensors - wasmTensors} tensors left by the WebGPU steps`);
  }
});
