/**
 * Stage `official-vbpr`: the authors' pretrained VBPR (`weights/best-vbpr.npy`, a pickled object
 * array `[P, Q, E^T]`) as weight files, so that AMR can start from it as the authors' `run.sh`
 * does (`--init official-vbpr`), and its scores on our test candidates, so that
 * `eval-official-vbpr` can rank them as any model's (in that mode it is Table 2's VBPR).
 * `P` must be `[users, K]`, `Q` `[items, K]`, `E^T` `[D, K]` for the dataset's users, items and
 * feature dimension, and K the profile's k; otherwise the stage fails naming every mismatch.
 * The file's SHA-256 is a param, so a changed file reruns it.
 *
 * Inputs: the final phase's `train`, `validation`, `target` (test.npy), `negatives`,
 * `item_map` and `features`. Outputs: `P.npy`, `Q.npy`, `E.npy` (`E = (E^T)^T`, `[K, D]`),
 * `H.npy` (`[0, K]`: eq. 4 has no H), and `scores.npy` (`[users, 1 + n]`, the test item then
 * the negatives, scored as the model stages score them, cold items by `coldMode`).
 */
import { z } from "zod";
import { runSettingsSchema } from "../config/profile.ts";
import { defineStage } from "../pipeline/stage/mod.ts";
import { readNpyHeader, writeNpy } from "../io/npy.ts";
import { readOfficialWeights } from "../datasets/authors_files.ts";
import { factorScorer, scoringFactors, targetScores } from "../models/evaluation.ts";
import { coldItems } from "../models/sampler.ts";
import { initTf } from "../models/tf_backend.ts";
import { loadFeatures, loadPhaseData, phaseFiles } from "./lib/train_inputs.ts";
import { writeScores } from "./lib/model_outputs.ts";
import { PHASE_INPUTS } from "./lib/bpr_stage.ts";

/** The pretrained-weights stage. */
export const stage = defineStage({
  name: "official-vbpr",
  module: import.meta.url,
  params: z.object({
    /** Absolute path of `best-vbpr.npy`. */
    path: z.string().min(1),
    /** Its SHA-256 (cache key). */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** Embedding size the profile expects (the profile's `k`). */
    k: runSettingsSchema.shape.k,
    /** How cold test items are scored (the profile's `coldMode`, as for every model). */
    coldMode: runSettingsSchema.shape.coldMode,
  }).strict(),
  inputs: [...PHASE_INPUTS, "features"],
  outputs: ["P.npy", "Q.npy", "E.npy", "H.npy", "scores.npy"],
  runtime: ["tfjs"],
  async run(ctx): Promise<Record<string, unknown>> {
    const data = await loadPhaseData(phaseFiles(ctx.inputs), "final");
    const items = data.train.nItems;
    const users = data.target.users;
    const dim = (await readNpyHeader(ctx.inputs.features)).shape[1];
    const w = await readOfficialWeights(ctx.params.path, { users, items, dim, k: ctx.params.k });
    const k = w.P.shape[1];
    const et = w.ET.data as Float32Array;
    const e = new Float32Array(k * dim);
    for (let d = 0; d < dim; d++) for (let j = 0; j < k; j++) e[j * dim + d] = et[d * k + j];
    await writeNpy(`${ctx.outDir}/P.npy`, w.P);
    await writeNpy(`${ctx.outDir}/Q.npy`, w.Q);
    await writeNpy(`${ctx.outDir}/E.npy`, { dtype: "float32", shape: [k, dim], data: e });
    // Eq. 4 VBPR has no H; `[0, K]` as the vbpr stage writes it, for perturb-test's VBPR.
    await writeNpy(`${ctx.outDir}/H.npy`, {
      dtype: "float32",
      shape: [0, k],
      data: new Float32Array(0),
    });
    // Scored on our candidates exactly as a trained VBPR is (bpr_stage's evaluation).
    const features = await loadFeatures(ctx.inputs.features, items);
    await initTf();
    const weights = {
      P: w.P.data as Float32Array,
      Q: w.Q.data as Float32Array,
      E: e,
      k,
      dim,
    };
    const factors = scoringFactors(weights, features, {
      coldItems: coldItems(data.train),
      coldMode: ctx.params.coldMode,
    });
    await writeScores(
      `${ctx.outDir}/scores.npy`,
      targetScores(factorScorer(factors), data.target),
      {
        users,
        n: data.target.n,
        targets: data.target.items,
      },
    );
    ctx.log(`authors' VBPR weights: P [${w.P.shape}], Q [${w.Q.shape}], E [${k}, ${dim}]`);
    return { users, items, dim, k };
  },
});
