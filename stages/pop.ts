/**
 * Stage `pop`: items ranked by their number of training interactions (paper sec. 4.1.3), the
 * same scores for every user; cold items score 0.
 *
 * Outputs: `scores.npy` (float32 `[users, 1 + n]`), `curve.csv` (a single row, epoch 0),
 * `train_summary.json`, `popularity.npy` (float32 `[items]`, the "weights").
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { writeNpy } from "../io/npy.ts";
import { popScoresFor, popularityScores } from "../models/pop.ts";
import { scoreMetrics, targetScores } from "../models/evaluation.ts";
import { loadPhaseData, phaseFiles, phaseSchema } from "./lib/train_inputs.ts";
import { curveCsv } from "../io/curve.ts";
import { writeScores } from "./lib/model_outputs.ts";
import { writeJson } from "../io/json.ts";
import { PHASE_INPUTS } from "./lib/bpr_stage.ts";

/** The POP stage. */
export const stage = defineStage({
  name: "pop",
  module: import.meta.url,
  params: z.object({
    phase: phaseSchema.default("final"),
    source: z.string().default("no hyper-parameters"),
  }).strict(),
  inputs: PHASE_INPUTS,
  outputs: ["scores.npy", "curve.csv", "train_summary.json", "popularity.npy"],
  async run(ctx): Promise<Record<string, unknown>> {
    const t0 = performance.now();
    const data = await loadPhaseData(phaseFiles(ctx.inputs), ctx.params.phase);
    const pop = popularityScores(data.train.items, data.train.nItems);
    const scores = targetScores((_users, items) => popScoresFor(pop, items), data.target);
    const m = scoreMetrics(scores, data.target.n, 10);
    const seconds = (performance.now() - t0) / 1000;
    await writeScores(`${ctx.outDir}/scores.npy`, scores, {
      users: data.target.users,
      n: data.target.n,
      targets: data.target.items,
    });
    await Deno.writeTextFile(
      `${ctx.outDir}/curve.csv`,
      curveCsv([{ epoch: 0, loss: null, hr10: m.hr, ndcg10: m.ndcg }]),
    );
    await writeNpy(`${ctx.outDir}/popularity.npy`, {
      dtype: "float32",
      shape: [pop.length],
      data: pop,
    });
    const summary = {
      model: "pop",
      phase: ctx.params.phase,
      epochs: 0,
      seconds,
      source: ctx.params.source,
      trainPairs: data.train.users.length,
      evaluatedUsers: data.target.evaluated,
      users: data.target.users,
      negatives: data.target.n,
      final: { epoch: 0, hr10: m.hr, ndcg10: m.ndcg },
    };
    await writeJson(`${ctx.outDir}/train_summary.json`, summary);
    return { model: "pop", seconds: Math.round(seconds * 10) / 10, hr10: m.hr, ndcg10: m.ndcg };
  },
});
