/**
 * Stage `authors-negatives` (node `negatives` of an `authors-split` dataset): `negatives.npy`
 * is the authors' fixed test negatives (columns 2.. of `neg.txt`), unchanged; the validation
 * negatives (for tuning) are drawn once, seeded, as many per user, excluding the user's
 * training, validation and test items (`drawNegatives` of `negatives.ts`).
 * Outputs: `negatives.npy`, `validation_negatives.npy`, int32 `[users, count]`.
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { writeNpy } from "../io/npy.ts";
import { groupByUser, readIdMap, readPairs, readPerUser } from "../io/interactions.ts";
import { drawNegatives } from "./negatives.ts";

/** The negatives stage of a pre-split dataset. */
export const stage = defineStage({
  name: "authors-negatives",
  module: import.meta.url,
  params: z.object({}).strict(),
  inputs: ["test_negatives", "train", "validation", "test", "item_map"],
  outputs: ["negatives.npy", "validation_negatives.npy"],
  async run(ctx): Promise<Record<string, unknown>> {
    const nItems = (await readIdMap(ctx.inputs.item_map)).length;
    const test = await readPerUser(ctx.inputs.test, { items: nItems });
    const users = test.users;
    const fixed = await readPerUser(ctx.inputs.test_negatives, { users, items: nItems });
    const count = fixed.cols;
    const validation = await readPerUser(ctx.inputs.validation, { users, items: nItems });
    const train = await readPairs(ctx.inputs.train, { users, items: nItems });
    const valNeg = drawNegatives(
      groupByUser(train, users),
      [test.data, validation.data],
      nItems,
      count,
      ctx.rng.fork("validation"),
      "validation negatives",
    );
    await Deno.copyFile(ctx.inputs.test_negatives, `${ctx.outDir}/negatives.npy`);
    await writeNpy(`${ctx.outDir}/validation_negatives.npy`, {
      dtype: "int32",
      shape: [users, count],
      data: valNeg,
    });
    return { users, items: nItems, count, testNegatives: "authors' neg.txt" };
  },
});
