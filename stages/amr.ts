/**
 * Stage `amr`: Adversarial Multimedia Recommendation (paper eq. 7-12): VBPR's eq. 4 trained on
 * the clean BPR loss plus `lambda` times the BPR loss on features perturbed by the adversary
 * (`grad`: eps times the normalised loss gradient; `rand`: Gaussian noise of the same radius;
 * `sign`: FGSM), initialised from a trained VBPR's P, Q and E (inputs `init_P`, `init_Q`,
 * `init_E`). `lambda = 0` gives VBPR exactly. `tunedStage` (`amr-tuned`) also reads a `hyper`
 * input. Outputs: `scores.npy`, `curve.csv`, `train_summary.json`, `P.npy`, `Q.npy`, `E.npy`.
 *
 * The `-first-rung` and `-next-rung` variants are the grid runs of a successive-halving schedule
 * (plan/halving.ts): they also write `state.ckpt`, and the later ones continue from the previous
 * rung's (stages/lib/bpr_stage.ts).
 */
import { defineStage } from "../pipeline/stage/mod.ts";
import { amrParamsSchema, type BprModelSpec, bprStage } from "./lib/bpr_stage.ts";

const spec: BprModelSpec = {
  kind: () => "amr",
  visual: true,
  init: ["P", "Q", "E"],
  weights: ["P", "Q", "E"],
  hyperInput: false,
};

/** AMR started from a trained VBPR. */
export const stage = defineStage(bprStage({
  name: "amr",
  module: import.meta.url,
  params: amrParamsSchema,
  spec,
}));

/** AMR with `override` fields (lr, regs, eps, lambda, epochs) from a `hyper` input. */
export const tunedStage = defineStage(bprStage({
  name: "amr-tuned",
  module: import.meta.url,
  params: amrParamsSchema,
  spec: { ...spec, hyperInput: true },
}));

/** AMR reading its `hyper` input: a halving schedule's first rung (also writes `state.ckpt`). */
export const gridFirstRungStage = defineStage(bprStage({
  name: "amr-tuned-first-rung",
  module: import.meta.url,
  params: amrParamsSchema,
  spec: { ...spec, hyperInput: true },
  rung: "first",
}));

/** AMR reading its `hyper` input: a halving schedule's later rung (continues if kept). */
export const gridNextRungStage = defineStage(bprStage({
  name: "amr-tuned-next-rung",
  module: import.meta.url,
  params: amrParamsSchema,
  spec: { ...spec, hyperInput: true },
  rung: "next",
}));
