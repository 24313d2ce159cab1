/**
 * Stage `evaluate`: ranks and per-user metrics of a model's `scores.npy` (paper sec. 4.1.2).
 *
 * For each user with a target: `rank = #negatives with score >= the target's score` (ties count
 * against the model, as in the authors' `Solver.py`), `HR@N = rank < N`,
 * `NDCG@N = ln 2 / ln(rank + 2)` if `rank < N`, N in {5, 10, 20}. A target item is cold when it
 * appears in no training pair of the phase (final: all of train.npy; tune: train.npy without
 * the users' validation pairs).
 *
 * Inputs: `scores` (float32 `[users, 1 + n]`), `target` (test.npy or validation.npy), `train`.
 * Outputs: `ranks.npy` (int32 `[users]`, -1 = no target), `metrics.npy` (float32 `[users, 6]`:
 * hr@5, hr@10, hr@20, ndcg@5, ndcg@10, ndcg@20; NaN rows for users without a target),
 * `cold.npy` (uint8 `[users]`, 1 = cold target), `summary.json` (overall / cold / warm means
 * and user counts).
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage.ts";
import { readNpy, writeNpy } from "../io/npy.ts";
import {
  metricNames,
  metricsFromRanks,
  PAPER_CUTOFFS,
  rankAgainstNegatives,
  summarise,
  summaryValues,
} from "../models/metrics.ts";
import { readPairs, readPerUser } from "../io/interactions.ts";
import { dropValidationPairs, phaseSchema } from "./lib/train_inputs.ts";
import { writeJson } from "./lib/model_outputs.ts";

/** Per-user evaluation of one score matrix. */
export interface Evaluation {
  /** Rank per user, -1 without a target. */
  ranks: Int32Array;
  /** `[users, 6]` metrics in `metricNames()` order, NaN rows without a target. */
  metrics: Float32Array;
  /** 1 where the user's target item is cold. */
  cold: Uint8Array;
  /** Means and counts over all, cold and warm users with a target. */
  summary: Record<"overall" | "cold" | "warm", { users: number; values: Record<string, number> }>;
}

/**
 * Evaluates a score matrix.
 *
 * @param scores float32 `[users, 1 + n]`: target score, then the negatives'
 * @param target target item per user (-1 = none, its row must be NaN or is ignored)
 * @param trainItems items of the phase's training pairs (for the cold flags)
 */
export function evaluateScores(
  scores: Float32Array,
  target: Int32Array,
  trainItems: Int32Array,
): Evaluation {
  const users = target.length;
  const width = scores.length / users;
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`evaluate: ${scores.length} scores do not fit ${users} users`);
  }
  const n = width - 1;
  const rows: number[] = [];
  for (let u = 0; u < users; u++) if (target[u] >= 0) rows.push(u);
  const pos = new Float32Array(rows.length);
  const neg = new Float32Array(rows.length * n);
  rows.forEach((u, r) => {
    pos[r] = scores[u * width];
    neg.set(scores.subarray(u * width + 1, (u + 1) * width), r * n);
  });
  const sub = rankAgainstNegatives(pos, neg, n);
  const per = metricsFromRanks(sub, PAPER_CUTOFFS);
  const names = metricNames(PAPER_CUTOFFS);
  const cols = [...per.hr, ...per.ndcg];
  const ranks = new Int32Array(users).fill(-1);
  const metrics = new Float32Array(users * names.length).fill(NaN);
  let maxItem = 0;
  for (let u = 0; u < users; u++) if (target[u] > maxItem) maxItem = target[u];
  const inTrain = new Uint8Array(maxItem + 1);
  for (let t = 0; t < trainItems.length; t++) {
    if (trainItems[t] < inTrain.length) inTrain[trainItems[t]] = 1;
  }
  const cold = new Uint8Array(users);
  const coldSub = new Uint8Array(rows.length);
  rows.forEach((u, r) => {
    ranks[u] = sub[r];
    for (let c = 0; c < names.length; c++) metrics[u * names.length + c] = cols[c][r];
    cold[u] = inTrain[target[u]] ? 0 : 1;
    coldSub[r] = cold[u];
  });
  const warmSub = coldSub.map((v) => 1 - v);
  const describe = (mask?: Uint8Array) => {
    const s = summarise(per, mask);
    const v = summaryValues(s);
    return { users: s.users, values: Object.fromEntries(names.map((name, k) => [name, v[k]])) };
  };
  return {
    ranks,
    metrics,
    cold,
    summary: { overall: describe(), cold: describe(coldSub), warm: describe(warmSub) },
  };
}

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
      `${ctx.params.model}: HR@10 ${o.values["hr@10"].toFixed(4)} NDCG@10 ` +
        `${o.values["ndcg@10"].toFixed(4)} over ${o.users} users (${ev.summary.cold.users} cold)`,
    );
    return {
      users: o.users,
      coldUsers: ev.summary.cold.users,
      "hr@10": o.values["hr@10"],
      "ndcg@10": o.values["ndcg@10"],
    };
  },
});
