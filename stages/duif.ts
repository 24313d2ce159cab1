/**
 * Stage `duif`: DUIF, `p_u . E c_i` (item vector from features only), trained with BPR
 * (paper sec. 4.1.3), from scratch. `fromMfStage` (`duif-from-mf`) starts P from MF-BPR's
 * trained P (input `init_P`; the paper reports the better of the two starts); E is drawn either
 * way, DUIF having no item ID vectors to take from MF. `tunedStage` (`duif-tuned`) also reads a
 * `hyper` input (`chosen.json`) and always has `init_P` wired, reading it only when the chosen
 * `init` is `mf-bpr`. Params: the BPR model's, plus `init` (`scratch` | `mf-bpr`).
 * Outputs: `scores.npy`, `curve.csv`, `train_summary.json` (its `hyper.init` says which start
 * ran), `P.npy`, `E.npy`.
 *
 * The `-first-rung` and `-next-rung` variants are the grid runs of a successive-halving schedule
 * (plan/halving.ts): they also write `state.ckpt`, and the later ones continue from the previous
 * rung's (stages/lib/bpr_stage.ts).
 */
import { defineStage } from "../pipeline/stage/mod.ts";
import { type BprModelSpec, bprStage, duifParamsSchema } from "./lib/bpr_stage.ts";

const spec: BprModelSpec = {
  kind: () => "duif",
  visual: true,
  init: [],
  weights: ["P", "E"],
  hyperInput: false,
};

/** DUIF from scratch, hyper-parameters from its params. */
export const stage = defineStage(bprStage({
  name: "duif",
  module: import.meta.url,
  params: duifParamsSchema,
  spec,
}));

const fromMf: BprModelSpec = { ...spec, init: ["P"] };

/** DUIF whose P starts from MF-BPR's (`init: "mf-bpr"`), hyper-parameters from its params. */
export const fromMfStage = defineStage(bprStage({
  name: "duif-from-mf",
  module: import.meta.url,
  params: duifParamsSchema,
  spec: fromMf,
}));

/**
 * DUIF whose params' `override` fields (with `init`, validation's choice of start) come from a
 * `hyper` input (`chosen.json`); MF-BPR's P is wired as `init_P` and read only for `mf-bpr`.
 */
export const tunedStage = defineStage(bprStage({
  name: "duif-tuned",
  module: import.meta.url,
  params: duifParamsSchema,
  spec: { ...fromMf, hyperInput: true },
}));

/** DUIF from scratch: a halving schedule's first rung (also writes `state.ckpt`). */
export const gridFirstRungStage = defineStage(bprStage({
  name: "duif-first-rung",
  module: import.meta.url,
  params: duifParamsSchema,
  spec: spec,
  rung: "first",
}));

/** DUIF from scratch: a halving schedule's later rung (continues if kept). */
export const gridNextRungStage = defineStage(bprStage({
  name: "duif-next-rung",
  module: import.meta.url,
  params: duifParamsSchema,
  spec: spec,
  rung: "next",
}));

/** DUIF from MF-BPR's P: a halving schedule's first rung (also writes `state.ckpt`). */
export const fromMfGridFirstRungStage = defineStage(bprStage({
  name: "duif-from-mf-first-rung",
  module: import.meta.url,
  params: duifParamsSchema,
  spec: fromMf,
  rung: "first",
}));

/** DUIF from MF-BPR's P: a halving schedule's later rung (continues if kept). */
export const fromMfGridNextRungStage = defineStage(bprStage({
  name: "duif-from-mf-next-rung",
  module: import.meta.url,
  params: duifParamsSchema,
  spec: fromMf,
  rung: "next",
}));
