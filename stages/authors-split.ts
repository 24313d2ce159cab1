/**
 * Stage `authors-split` (node `split` of an `authors-split` dataset): the authors' split as the
 * model stages read it. `train.npy` is `pos.txt` (duplicates dropped), sorted by user then item;
 * `test.npy` is the first column of `neg.txt`. For tuning, one training pair per user with at
 * least 2 training pairs is drawn (seeded) as the validation item; other users get -1. As in
 * `split.ts`, validation items stay in `train.npy` (final runs train on them; tuning runs remove
 * them). Outputs: `train.npy`, `validation.npy`, `test.npy`.
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { writeNpy } from "../io/npy.ts";
import { groupByUser, readPairs, readPerUser, writePairs } from "../io/interactions.ts";

/** The split stage of a pre-split dataset (randomness only for the validation draw). */
export const stage = defineStage({
  name: "authors-split",
  module: import.meta.url,
  params: z.object({}).strict(),
  inputs: ["train_pairs", "test_items"],
  outputs: ["train.npy", "validation.npy", "test.npy"],
  async run(ctx): Promise<Record<string, unknown>> {
    const test = await readPerUser(ctx.inputs.test_items);
    const users = test.users;
    const pairs = await readPairs(ctx.inputs.train_pairs, { users });
    const rows = groupByUser(pairs, users);
    const validation = new Int32Array(users).fill(-1);
    const rng = ctx.rng.fork("validation");
    const tu = new Int32Array(pairs.users.length);
    const ti = new Int32Array(pairs.users.length);
    let n = 0;
    let withValidation = 0;
    for (let u = 0; u < users; u++) {
      const own = rows.items.slice(rows.start[u], rows.start[u + 1]).sort();
      if (own.length >= 2) {
        validation[u] = own[rng.int(own.length)];
        withValidation++;
      }
      for (const i of own) {
        tu[n] = u;
        ti[n++] = i;
      }
    }
    await writePairs(`${ctx.outDir}/train.npy`, { users: tu, items: ti });
    await writeNpy(`${ctx.outDir}/validation.npy`, {
      dtype: "int32",
      shape: [users],
      data: validation,
    });
    await writeNpy(`${ctx.outDir}/test.npy`, { dtype: "int32", shape: [users], data: test.data });
    ctx.log(
      `${users} test items (authors'), ${withValidation} validation items, ${n} training pairs`,
    );
    return { users, train: n, validation: withValidation, test: users };
  },
});
