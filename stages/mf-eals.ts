/**
 * Stage `mf-eals`: MF-eALS (He et al., SIGIR 2016; paper sec. 4.1.3), element-wise ALS with
 * popularity-weighted missing data (models/eals.ts). No tensor library.
 *
 * The initial factors are drawn here (normal, std `initStd`) and handed to `trainEals`, so the
 * curve has an evaluated row 0; then one row per sweep with the eALS objective as `loss`, and
 * the metrics evaluated after the last sweep (the sweeps run inside one synchronous call).
 * Cold items have no positives and zero missing-data weight, so eALS drives their `q_i` to 0;
 * the scorer applies `coldMode` as for the other models. Outputs: `scores.npy`, `curve.csv`,
 * `train_summary.json`, `P.npy`, `Q.npy`.
 *
 * `train_summary.json`'s `best` (what a tuning selection reads, as for the BPR stages) is the
 * last sweep: it is the only evaluated one besides the random start, so tuning chooses c0 and
 * reg at the profile's sweep count and never the sweep count itself.
 * `tunedStage` (`mf-eals-tuned`) also reads a `hyper` input (`chosen.json` of the
 * `select-mf-eals` selection) and takes the fields its `override` param names (c0, reg).
 */
import { z } from "zod";
import { cancelPoint, defineStage, type StageContext } from "../pipeline/stage/mod.ts";
import { type EalsState, trainEals } from "../models/eals.ts";
import { coldItems } from "../models/sampler.ts";
import type { Weights } from "../models/types.ts";
import { factorScorer, scoreMetrics, scoringFactors, targetScores } from "../models/evaluation.ts";
import { loadPhaseData, phaseDataSummary, phaseFiles, phaseSchema } from "./lib/train_inputs.ts";
import { curveCsv, type CurveRow } from "../io/curve.ts";
import { writeScores } from "./lib/model_outputs.ts";
import { writeJson } from "../io/json.ts";
import { initStdSchema, PHASE_INPUTS } from "./lib/bpr_stage.ts";
import { ealsModelSchema, runSettingsSchema } from "../config/profile.ts";
import { saveWeights } from "../io/weights.ts";
import { chosenOverrides, overrideFieldSchema } from "./lib/chosen.ts";

/** The run-wide profile settings the MF-eALS stage takes (`runSettingsSchema` keys). */
export const EALS_RUN_FIELDS = { k: true, coldMode: true } as const;

/** Parameters: the profile's `ealsModelSchema` fields and {@link EALS_RUN_FIELDS}, phase, init. */
export const ealsParamsSchema = ealsModelSchema.extend({
  ...runSettingsSchema.pick(EALS_RUN_FIELDS).shape,
  phase: phaseSchema.default("final"),
  initStd: initStdSchema,
}).strict();

/** The fields of `chosen.json` the tuned variant can take. */
export const ealsOverrideSchema = overrideFieldSchema.extract(["c0", "reg"]);

/** Parameters of `mf-eals-tuned`: {@link ealsParamsSchema} and the fields taken from `hyper`. */
export const ealsTunedParamsSchema = ealsParamsSchema.extend({
  /** Fields replaced by the `hyper` input. */
  override: z.array(ealsOverrideSchema).min(1),
}).strict();

const OUTPUTS = ["scores.npy", "curve.csv", "train_summary.json", "P.npy", "Q.npy"];

/** The MF-eALS stage. */
export const stage = defineStage({
  name: "mf-eals",
  module: import.meta.url,
  params: ealsParamsSchema,
  inputs: PHASE_INPUTS,
  outputs: OUTPUTS,
  run: (ctx) => runEals(ctx, ctx.params),
});

/** MF-eALS whose params' `override` fields (c0, reg) come from a `hyper` input (`chosen.json`). */
export const tunedStage = defineStage({
  name: "mf-eals-tuned",
  module: import.meta.url,
  params: ealsTunedParamsSchema,
  inputs: [...PHASE_INPUTS, "hyper"],
  outputs: OUTPUTS,
  async run(ctx): Promise<Record<string, unknown>> {
    const chosen = await chosenOverrides(ctx.params.override, ctx.inputs.hyper);
    return runEals(ctx, { ...ctx.params, ...chosen!.values, source: chosen!.source });
  },
});

/** Trains, evaluates and writes the outputs with the resolved parameters `p`. */
async function runEals(
  ctx: StageContext<z.infer<typeof ealsParamsSchema>>,
  p: z.infer<typeof ealsParamsSchema>,
): Promise<Record<string, unknown>> {
  const data = await loadPhaseData(phaseFiles(ctx.inputs), p.phase);
  const { nUsers, nItems } = data.train;
  const cold = coldItems(data.train);
  const evaluate = (w: Weights) => {
    const f = scoringFactors(w, null, { coldItems: cold, coldMode: p.coldMode });
    const scores = targetScores(factorScorer(f), data.target);
    return { scores, ...scoreMetrics(scores, data.target.n, 10) };
  };
  const rng = ctx.rng.fork("init");
  const P0 = new Float32Array(nUsers * p.k).map(() => p.initStd * rng.normal());
  const Q0 = new Float32Array(nItems * p.k).map(() => p.initStd * rng.normal());
  const first = evaluate({ P: P0, Q: Q0, E: null, k: p.k, dim: 0 });
  let curve: CurveRow[] = [{ epoch: 0, loss: null, hr10: first.hr, ndcg10: first.ndcg }];
  let iterMs: number[] = [];
  let secondsBefore = 0;
  const saved = await ctx.checkpoint.load();
  let resume: EalsState | undefined;
  if (saved) {
    const m = saved.meta as unknown as EalsMeta;
    const { P, Q } = saved.arrays;
    if (!(P instanceof Float64Array) || !(Q instanceof Float64Array)) {
      throw new Error("mf-eals checkpoint: P and Q must be float64");
    }
    resume = { iteration: m.iteration, P, Q, initialLoss: m.initialLoss, losses: m.losses };
    ({ curve, iterMs, secondsBefore } = m);
    ctx.log(`resumed mf-eals at epoch ${m.iteration}/${p.iterations}`);
  }
  ctx.progress.start(p.iterations, "eALS sweeps");
  if (resume) ctx.progress.update(resume.iteration);
  const t0 = performance.now();
  let tl = t0;
  const cancel = cancelPoint(ctx.signal, 0);
  const model = await trainEals(data.train, {
    k: p.k,
    iterations: p.iterations,
    reg: p.reg,
    c0: p.c0,
    alpha: p.alpha,
    wPos: p.wPos,
    initStd: p.initStd,
  }, {
    rng: ctx.rng.fork("eals"),
    init: { P: P0, Q: Q0 },
    resume,
    async onIteration(iter, loss, state) {
      const now = performance.now();
      iterMs.push(now - tl);
      tl = now;
      curve.push({ epoch: iter, loss, hr10: null, ndcg10: null });
      ctx.progress.update(iter, { loss });
      await cancel();
      // The last sweep is never saved: a resume always has a sweep (and the evaluation) ahead.
      if (iter < p.iterations && ctx.checkpoint.due(iter)) {
        const s = state();
        const meta: EalsMeta = {
          iteration: s.iteration,
          initialLoss: s.initialLoss,
          losses: s.losses,
          curve,
          iterMs,
          secondsBefore: secondsBefore + (now - t0) / 1000,
        };
        await ctx.checkpoint.save({
          meta: meta as unknown as Record<string, unknown>,
          arrays: { P: s.P, Q: s.Q },
        });
      }
    },
  });
  const seconds = secondsBefore + (performance.now() - t0) / 1000;
  ctx.progress.stop();
  const weights: Weights = { P: model.P, Q: model.Q, E: null, k: p.k, dim: 0 };
  const last = evaluate(weights);
  curve[curve.length - 1].hr10 = last.hr;
  curve[curve.length - 1].ndcg10 = last.ndcg;
  await writeScores(`${ctx.outDir}/scores.npy`, last.scores, {
    users: data.target.users,
    n: data.target.n,
    targets: data.target.items,
  });
  await Deno.writeTextFile(`${ctx.outDir}/curve.csv`, curveCsv(curve));
  await saveWeights(ctx.outDir, weights, { declared: ["P", "Q"] });
  const finalLoss = model.losses[model.losses.length - 1];
  await writeJson(`${ctx.outDir}/train_summary.json`, {
    model: "mf-eals",
    phase: p.phase,
    epochs: p.iterations,
    seconds,
    finalLoss,
    initialLoss: model.initialLoss,
    meanEpochMs: iterMs.reduce((a, b) => a + b, 0) / iterMs.length,
    epochMs: iterMs.map((v) => Math.round(v * 10) / 10),
    hyper: { k: p.k, reg: p.reg, c0: p.c0, alpha: p.alpha, wPos: p.wPos, initStd: p.initStd },
    source: p.source,
    coldMode: p.coldMode,
    ...phaseDataSummary(data),
    final: { epoch: p.iterations, hr10: last.hr, ndcg10: last.ndcg },
    best: { epoch: p.iterations, hr10: last.hr, ndcg10: last.ndcg },
  });
  return {
    model: "mf-eals",
    epochs: p.iterations,
    seconds: Math.round(seconds * 10) / 10,
    finalLoss,
    hr10: last.hr,
    ndcg10: last.ndcg,
    source: p.source,
  };
}

/** What an mf-eals checkpoint keeps besides the factors. */
interface EalsMeta {
  iteration: number;
  initialLoss: number;
  losses: number[];
  curve: CurveRow[];
  iterMs: number[];
  /** Seconds of sweeps before this checkpoint (across earlier resumes). */
  secondsBefore: number;
}
