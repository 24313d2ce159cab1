/**
 * Stage `vbpr`: VBPR (paper eq. 4, `p_u . (q_i + E c_i)`, or with `form: "eq2"` the original
 * `p_u . q_i + h_u . E c_i`), trained with BPR and initialised with MF-BPR's P and Q
 * (Algorithm 1; inputs `init_P`, `init_Q`), E (and H) drawn at random.
 *
 * Variants: `tunedStage` (`vbpr-tuned`) also reads a `hyper` input (`chosen.json`);
 * `continuedStage` (`vbpr-continued`) starts from a VBPR's own P, Q and E (input `init_E` too),
 * the baseline curve beside AMR in Figure 3; `continuedTunedStage` (`vbpr-continued-tuned`)
 * does so with the tuned AMR's `chosen.json` as `hyper`. Outputs: `scores.npy`, `curve.csv`,
 * `train_summary.json`, `P.npy`, `Q.npy`, `E.npy`, `H.npy` (`[0, K]` for eq. 4).
 *
 * The `-first-rung` and `-next-rung` variants are the grid runs of a successive-halving schedule
 * (plan/halving.ts): they also write `state.ckpt`, and the later ones continue from the previous
 * rung's (stages/lib/bpr_stage.ts).
 */
import { defineStage } from "../pipeline/stage/mod.ts";
import { type BprModelSpec, bprStage, vbprParamsSchema } from "./lib/bpr_stage.ts";

const spec: BprModelSpec = {
  kind: (p) => (p.form === "eq2" ? "vbpr-eq2" : "vbpr"),
  visual: true,
  init: ["P", "Q"],
  weights: ["P", "Q", "E", "H"],
  hyperInput: false,
};

/** VBPR started from MF-BPR's P and Q. */
export const stage = defineStage(bprStage({
  name: "vbpr",
  module: import.meta.url,
  params: vbprParamsSchema,
  spec,
}));

/** VBPR started from MF-BPR's P and Q, with `override` fields from a `hyper` input. */
export const tunedStage = defineStage(bprStage({
  name: "vbpr-tuned",
  module: import.meta.url,
  params: vbprParamsSchema,
  spec: { ...spec, hyperInput: true },
}));

const continued: BprModelSpec = { ...spec, init: ["P", "Q", "E"] };

/** VBPR continued from a trained VBPR's P, Q and E (Figure 3's baseline beside AMR). */
export const continuedStage = defineStage(bprStage({
  name: "vbpr-continued",
  module: import.meta.url,
  params: vbprParamsSchema,
  spec: continued,
}));

/** VBPR continued from a trained VBPR, with `override` fields from a `hyper` input (the tuned
 * AMR's choice: lr, regs and epochs, so the lambda = 0 control matches the tuned AMR). */
export const continuedTunedStage = defineStage(bprStage({
  name: "vbpr-continued-tuned",
  module: import.meta.url,
  params: vbprParamsSchema,
  spec: { ...continued, hyperInput: true },
}));

/** VBPR from MF-BPR's P and Q: a halving schedule's first rung (also writes `state.ckpt`). */
export const gridFirstRungStage = defineStage(bprStage({
  name: "vbpr-first-rung",
  module: import.meta.url,
  params: vbprParamsSchema,
  spec: spec,
  rung: "first",
}));

/** VBPR from MF-BPR's P and Q: a halving schedule's later rung (continues if kept). */
export const gridNextRungStage = defineStage(bprStage({
  name: "vbpr-next-rung",
  module: import.meta.url,
  params: vbprParamsSchema,
  spec: spec,
  rung: "next",
}));
