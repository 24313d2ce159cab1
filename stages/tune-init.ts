/**
 * Stage `tune-init`: chooses where DUIF's P starts by validation (paper sec. 4.1.3: DUIF was
 * trained "from scratch and pre-training it with user embeddings of MF", best reported). Each
 * start has its own lr x l2 grid and `tune-select` selection (with widening); this stage reads
 * the two `chosen.json` files and keeps the one whose best run has the higher validation
 * NDCG@10 (a NaN loses to any number; a tie keeps `scratch`, the first start). It writes that
 * `chosen.json` with `values.init` (and every grid run's `values.init`) set to the start, the
 * two variants' grids in input order, and `variants`: each start's best run, NDCG@10, HR@10
 * and whether it was chosen.
 *
 * Inputs: one `chosen.json` per start, named by the start (`scratch`, `mf-bpr`).
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { type Chosen, readChosen } from "./lib/chosen.ts";
import { writeJson } from "../io/json.ts";
import { fmt } from "../tables/numbers.ts";
import { type DuifInit, duifInitSchema } from "../config/profile.ts";

/** The starts, in input order (also the input names). */
export const INIT_VARIANTS: readonly DuifInit[] = duifInitSchema.options;

/**
 * Index of the variant whose best run has the highest validation NDCG@10; a NaN loses to any
 * number and a tie keeps the earlier variant.
 */
export function bestVariant(ndcg10: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < ndcg10.length; k++) {
    if (ndcg10[k] > ndcg10[best] || (Number.isNaN(ndcg10[best]) && !Number.isNaN(ndcg10[k]))) {
      best = k;
    }
  }
  return best;
}

/**
 * The choice between per-start selections: the winner's `chosen.json` with `init` set in its
 * values and in every grid run's, both grids, and `variants`.
 *
 * @param variants each start with its selection's `chosen.json`, in input order
 */
export function chooseInit(variants: readonly { init: DuifInit; chosen: Chosen }[]): Chosen {
  if (variants.length === 0) throw new Error("tune-init: no variant");
  const k = bestVariant(variants.map((v) => v.chosen.best.ndcg10));
  const { init, chosen } = variants[k];
  const withInit = <T extends { values: Chosen["values"] }>(g: T, i: DuifInit): T => ({
    ...g,
    values: { ...g.values, init: i },
  });
  return {
    ...chosen,
    values: { ...chosen.values, init },
    best: withInit(chosen.best, init),
    grid: variants.flatMap((v) => v.chosen.grid.map((g) => withInit(g, v.init))),
    wideningNote: `init=${init}: ${chosen.wideningNote}`,
    variants: variants.map((v, j) => ({
      init: v.init,
      label: v.chosen.best.label,
      ndcg10: v.chosen.best.ndcg10,
      hr10: v.chosen.best.hr10,
      chosen: j === k,
    })),
  };
}

/** The tune-init stage. */
export const stage = defineStage({
  name: "tune-init",
  module: import.meta.url,
  params: z.object({
    /** Model tuned (`duif`). */
    model: z.string(),
  }).strict(),
  inputs: [...INIT_VARIANTS],
  outputs: ["chosen.json"],
  async run(ctx): Promise<Record<string, unknown>> {
    const variants: { init: DuifInit; chosen: Chosen }[] = [];
    for (const init of INIT_VARIANTS) {
      const chosen = await readChosen(ctx.inputs[init]);
      if (chosen.model !== ctx.params.model) {
        throw new Error(
          `${ctx.inputs[init]}: field "model": "${chosen.model}", expected "${ctx.params.model}"`,
        );
      }
      variants.push({ init, chosen });
    }
    const out = chooseInit(variants);
    await writeJson(`${ctx.outDir}/chosen.json`, out);
    const line = out.variants!.map((v) => `${v.init} ${fmt(v.ndcg10)}`).join(", ");
    ctx.log(`${ctx.params.model}: start ${out.values.init} (validation NDCG@10 ${line})`);
    return {
      model: ctx.params.model,
      init: out.values.init,
      best: out.best.label,
      ndcg10: out.best.ndcg10,
      variants: out.variants,
    };
  },
});
