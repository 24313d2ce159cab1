/**
 * Stage `duif`: DUIF, `p_u . E c_i` (item vector from features only), trained with BPR
 * (paper sec. 4.1.3). `tunedStage` (`duif-tuned`) also reads a `hyper` input.
 * Outputs: `scores.npy`, `curve.csv`, `train_summary.json`, `P.npy`, `E.npy`.
 */
import { defineStage } from "../pipeline/stage.ts";
import {
  bprInputs,
  type BprModelSpec,
  bprOutputs,
  bprParamsSchema,
  runBprStage,
} from "./lib/bpr_stage.ts";

const spec: BprModelSpec = {
  kind: () => "duif",
  visual: true,
  init: [],
  weights: ["P", "E"],
  hyperInput: false,
};

/** DUIF with hyper-parameters from its params. */
export const stage = defineStage({
  name: "duif",
  module: import.meta.url,
  params: bprParamsSchema,
  inputs: bprInputs(spec),
  outputs: bprOutputs(spec.weights),
  runtime: ["tfjs"],
  run: (ctx) => runBprStage(ctx, spec),
});

/** DUIF whose params' `override` fields come from a `hyper` input (`chosen.json`). */
export const tunedStage = defineStage({
  name: "duif-tuned",
  module: import.meta.url,
  params: bprParamsSchema,
  inputs: bprInputs({ ...spec, hyperInput: true }),
  outputs: bprOutputs(spec.weights),
  runtime: ["tfjs"],
  run: (ctx) => runBprStage(ctx, { ...spec, hyperInput: true }),
});
