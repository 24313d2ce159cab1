/**
 * Stage `tune-compare`: what each selection of a tuned run chose (`chosen.json` of every tuned
 * model's selection) and, when the profile names a `tune.reference`, the same selections of the
 * reference profile side by side (read by the planner from the reference's store entries for this
 * data and code, with their keys and hashes, into the params: plan/reference.ts). Writes
 * `comparison.json` (report/tuning.ts), which the tuned report shows as its tuning section and
 * claims row.
 *
 * Inputs: one `chosen.json` per selection compared ({@link TUNING_INPUTS}); each selection is named
 * by the node of its input's entry.
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { type Chosen, type ChosenValues, readChosen } from "./lib/chosen.ts";
import { compareTuning, type SelectionSummary, tuningReferenceSchema } from "../report/tuning.ts";
import { writeJson } from "../io/json.ts";

export type { TuningReference } from "../report/tuning.ts";

/**
 * Input names, in display order: one per trained method (the selection its final node reads) and
 * `amr_eps` (AMR's eps, chosen before its lambda).
 */
export const TUNING_INPUTS: readonly string[] = [
  "mf_eals",
  "mf_bpr",
  "duif",
  "vbpr",
  "amr_eps",
  "amr",
];

function withoutEpochs(v: ChosenValues): Record<string, unknown> {
  const { epochs: _e, ...rest } = v;
  return rest;
}

/**
 * A `chosen.json` reduced to what the report's tuning comparison needs (report/tuning.ts): the
 * choice, its validation NDCG@10, every grid run's values and NDCG@10, and the epochs the grid
 * trained (null when a run did not record where it stopped, as MF-eALS's do not).
 */
export function selectionSummary(chosen: Chosen): SelectionSummary {
  let trained: number | null = 0;
  for (const g of chosen.grid) {
    if (!g.stopped) {
      trained = null;
      break;
    }
    trained += g.stopped.epoch;
  }
  // DUIF's start is chosen too (tune-init): part of the point.
  const pointOf = (g: { point: Record<string, number>; values: ChosenValues }) => ({
    ...g.point,
    ...(g.values.init === undefined ? {} : { init: g.values.init }),
  });
  return {
    label: chosen.best.label,
    values: withoutEpochs(chosen.values),
    point: pointOf(chosen.best),
    epochs: chosen.values.epochs ?? null,
    ndcg10: chosen.best.ndcg10,
    epochsTrained: trained,
    // Widening points the selection did not consider stay out (as out of its choice).
    grid: chosen.grid.filter((g) => g.considered !== false).map((g) => ({
      point: pointOf(g),
      ndcg10: g.ndcg10,
    })),
  };
}

/** The tune-compare stage. */
export const stage = defineStage({
  name: "tune-compare",
  module: import.meta.url,
  params: z.object({
    /** Our profile's name. */
    profile: z.string(),
    /** Our grids' schedule in words. */
    schedule: z.string(),
    /** The reference profile's choices (null: the profile names none). */
    reference: tuningReferenceSchema.nullable(),
  }).strict(),
  inputs: TUNING_INPUTS,
  outputs: ["comparison.json"],
  inputManifests: true,
  async run(ctx): Promise<Record<string, unknown>> {
    const p = ctx.params;
    const ours: [string, SelectionSummary][] = [];
    for (const input of TUNING_INPUTS) {
      const node = ctx.inputManifests?.[input]?.node;
      if (!node) throw new Error(`input "${input}": no manifest of its entry`);
      ours.push([node, selectionSummary(await readChosen(ctx.inputs[input]))]);
    }
    const out = compareTuning(p.profile, p.schedule, ours, p.reference);
    await writeJson(`${ctx.outDir}/comparison.json`, out);
    const compared = out.selections.filter((s) => s.same !== null);
    if (p.reference) {
      ctx.log(
        compared.length === 0
          ? `${p.reference.profile}: nothing to compare (${
            p.reference.unavailable ?? "not run on this data and code"
          })`
          : `same choice as ${p.reference.profile} at ${
            compared.filter((s) => s.same).length
          } of ${compared.length} selections`,
      );
    }
    return {
      selections: out.selections.length,
      compared: compared.length,
      same: compared.filter((s) => s.same).length,
    };
  },
});
