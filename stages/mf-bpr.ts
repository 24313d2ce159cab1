/**
 * Stage `mf-bpr`: matrix factorisation `p_u . q_i` trained with BPR (paper sec. 4.1.3).
 * `tunedStage` (`mf-bpr-tuned`) also reads a `hyper` input (`chosen.json` of a tuning
 * selection). Outputs: `scores.npy`, `curve.csv`, `train_summary.json`, `P.npy`, `Q.npy`.
 *
 * The `-first-rung` and `-next-rung` variants are the grid runs of a successive-halving schedule
 * (plan/halving.ts): they also write `state.ckpt`, and the later ones continue from the previous
 * rung's (stages/lib/bpr_stage.ts).
 */
import { defineStage } from "../pipeline/stage/mod.ts";
import { type BprModelSpec, bprParamsSchema, bprStage } from "./lib/bpr_stage.ts";

const spec: BprModelSpec = {
  kind: () => "mf-bpr",
  visual: false,
  init: [],
  weights: ["P", "Q"],
  hyperInput: false,
};

/** MF-BPR with hyper-parameters from its params. */
export const stage = defineStage(bprStage({
  name: "mf-bpr",
  module: import.meta.url,
  params: bprParamsSchema,
  spec,
}));

/** MF-BPR whose params' `override` fields come from a `hyper` input (`chosen.json`). */
export const tunedStage = defineStage(bprStage({
  name: "mf-bpr-tuned",
  module: import.meta.url,
  params: bprParamsSchema,
  spec: { ...spec, hyperInput: true },
}));

/** MF-BPR: a halving schedule's first rung (also writes `state.ckpt`). */
export const gridFirstRungStage = defineStage(bprStage({
  name: "mf-bpr-first-rung",
  module: import.meta.url,
  params: bprParamsSchema,
  spec: spec,
  rung: "first",
}));

/** MF-BPR: a halving schedule's later rung (continues if kept). */
export const gridNextRungStage = defineStage(bprStage({
  name: "mf-bpr-next-rung",
  module: import.meta.url,
  params: bprParamsSchema,
  spec: spec,
  rung: "next",
}));
