/**
 * Stage `evaluate`: ranks and per-user metrics of a model's `scores.npy` (paper sec. 4.1.2),
 * by the ranking rule and metrics of `models/evaluation.ts` (`evaluateScores`) at N in
 * {5, 10, 20}. A target item is cold when it appears in no training pair of the phase (final:
 * all of train.npy; tune: train.npy without the users' validation pairs).
 *
 * Inputs: `scores` (float32 `[users, 1 + n]`), `target` (test.npy or validation.npy), `train`.
 * Outputs: `ranks.npy` (int32 `[users]`, -1 = no target), `metrics.npy` (float32 `[users, 6]`:
 * hr@5, hr@10, hr@20, ndcg@5, ndcg@10, ndcg@20; NaN rows for users without a target),
 * `cold.npy` (uint8 `[users]`, 1 = cold target), `summary.json` (overall / cold / warm means
 * and user counts).
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { readNpy, writeNpy } from "../io/npy.ts";
import { evaluateScores, metricNames, PAPER_CUTOFFS } from "../models/evaluation.ts";
import { readPairs, readPerUser } from "../io/interactions.ts";
import { dropValidationPairs, phaseSchema } from "./lib/train_inputs.ts";
import { writeJson } from "../io/json.ts";
import { fmt } from "../tables/numbers.ts";

/** The evaluate stage. */
export const stage = defineStage({
  name: "evaluate",
  module: import.meta.url,
  params: z.object({
    /** `final`: cold = absent from train.npy; `tune`: absent from train.npy minus validation. */
    phase: phaseSchema.default("final"),
    /** Model label, for the summary. */
    model: z.string().default(""),
  }).strict(),
  inputs: ["scores", "target", "train"],
  outputs: ["ranks.npy", "metrics.npy", "cold.npy", "summary.json"],
  async run(ctx): Promise<Record<string, unknown>> {
    const target = (await readPerUser(ctx.inputs.target)).data;
    const users = target.length;
    const arr = await readNpy(ctx.inputs.scores, { dtype: "float32", shape: [users, null] });
    let pairs = await readPairs(ctx.inputs.train, { users });
    if (ctx.params.phase === "tune") pairs = dropValidationPairs(pairs, target).pairs;
    const ev = evaluateScores(arr.data as Float32Array, target, pairs.items);
    const cols = metricNames(PAPER_CUTOFFS).length;
    await writeNpy(`${ctx.outDir}/ranks.npy`, { dtype: "int32", shape: [users], data: ev.ranks });
    await writeNpy(`${ctx.outDir}/metrics.npy`, {
      dtype: "float32",
      shape: [users, cols],
      data: ev.metrics,
    });
    await writeNpy(`${ctx.outDir}/cold.npy`, { dtype: "uint8", shape: [users], data: ev.cold });
    const summary = {
      model: ctx.params.model,
      phase: ctx.params.phase,
      metrics: metricNames(PAPER_CUTOFFS),
      negatives: arr.shape[1] - 1,
      ...ev.summary,
    };
    await writeJson(`${ctx.outDir}/summary.json`, summary);
    const o = ev.summary.overall;
    ctx.log(
      `${ctx.params.model}: HR@10 ${fmt(o.values["hr@10"])} NDCG@10 ` +
        `${fmt(o.values["ndcg@10"])} over ${o.users} users (${ev.summary.cold.users} cold)`,
    );
    return {
      users: o.users,
      coldUsers: ev.summary.cold.users,
      "hr@10": o.values["hr@10"],
      "ndcg@10": o.values["ndcg@10"],
    };
  },
});
