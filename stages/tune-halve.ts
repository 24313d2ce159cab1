/**
 * Stage `tune-halve`: one rung of successive halving over a grid level (plan/halving.ts). It
 * ranks the rung's runs by validation NDCG@10 at their best trained epoch so far (the rule
 * tune-select chooses by, stages/lib/grid_runs.ts) and writes `survivors.json`: the best `keep`
 * of the points that trained to the rung's end, which the next rung's nodes continue from their
 * `state.ckpt`, and the whole ranking. A point dropped at an earlier rung, or stopped early by
 * its patience, is ranked but cannot continue; the others stop here, and their later-rung nodes
 * pass their results through unchanged.
 *
 * Inputs: `run00` .. `run63`, each rung run's `train_summary.json` in the order of `runs` (unused
 * slots are wired to the first run and never read, as in tune-select).
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { writeJson } from "../io/json.ts";
import { fmt } from "../tables/numbers.ts";
import {
  MAX_GRID_RUNS,
  rankRuns,
  readRunSummary,
  runSlot,
  type Survivors,
} from "./lib/grid_runs.ts";

/** The tune-halve stage. */
export const stage = defineStage({
  name: "tune-halve",
  module: import.meta.url,
  params: z.object({
    /** Model tuned. */
    model: z.string(),
    /** The rung ranked (0 = the first). */
    rung: z.number().int().min(0),
    /** The epoch the rung trains up to. */
    epochs: z.number().int().min(1),
    /** Points that continue. */
    keep: z.number().int().min(1),
    /** The grid points (their final node ids), in slot order. */
    runs: z.array(z.string()).min(1).max(MAX_GRID_RUNS),
  }).strict().refine((p) => p.keep < p.runs.length, {
    message: "keep must be smaller than the number of runs",
    path: ["keep"],
  }),
  inputs: Array.from({ length: MAX_GRID_RUNS }, (_, k) => runSlot(k)),
  outputs: ["survivors.json"],
  async run(ctx): Promise<Record<string, unknown>> {
    const { model, rung, epochs, keep, runs } = ctx.params;
    const rows: Survivors["ranking"] = [];
    for (let k = 0; k < runs.length; k++) {
      const path = ctx.inputs[runSlot(k)];
      const { summary, at } = await readRunSummary(runs[k], path);
      rows.push({
        label: runs[k],
        bestEpoch: at.epoch,
        ndcg10: at.ndcg10,
        ...(summary.stopped ? { stopped: summary.stopped } : {}),
        alive: !summary.stopped || summary.stopped.reason === "epochs",
      });
    }
    const ranking = rankRuns(rows);
    const survivors = ranking.filter((r) => r.alive).slice(0, keep).map((r) => r.label);
    const out: Survivors = { model, rung, epochs, survivors, ranking };
    await writeJson(`${ctx.outDir}/survivors.json`, out);
    ctx.log(
      `${model} rung ${rung} (${epochs} epochs): ${survivors.length} of ${runs.length} continue; best ` +
        `${ranking[0].label} (validation NDCG@10 ${fmt(ranking[0].ndcg10)})`,
    );
    return { model, rung, kept: survivors.length, of: runs.length, best: ranking[0].label };
  },
});
