/**
 * Stage `split`: seeded leave-one-out (paper sec. 4.1.2 and 4.1.4).
 *
 * Per user, one interaction drawn uniformly at random becomes the test item. Then, for every
 * user with at least 2 remaining interactions, one more drawn uniformly from the remaining ones
 * becomes the validation item; users with a single remaining interaction get `-1` (no
 * validation item: holding out their only training interaction would make them cold users).
 *
 * Outputs: `train.npy` (int32 `[n, 2]`: every interaction except the test ones; validation
 * items are INCLUDED, because final runs train on them, and tuning runs remove them),
 * `validation.npy` (int32 `[users]`, -1 where none), `test.npy` (int32 `[users]`).
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { writeNpy } from "../io/npy.ts";
import { countIds, groupByUser, readPairs, writePairs } from "../io/interactions.ts";

/** The split stage (no parameters; randomness from the node's seed). */
export const stage = defineStage({
  name: "split",
  module: import.meta.url,
  params: z.object({}).strict(),
  inputs: ["interactions"],
  outputs: ["train.npy", "validation.npy", "test.npy"],
  async run(ctx): Promise<Record<string, unknown>> {
    const pairs = await readPairs(ctx.inputs.interactions);
    const nUsers = countIds(pairs.users);
    const rows = groupByUser(pairs, nUsers);
    const test = new Int32Array(nUsers).fill(-1);
    const validation = new Int32Array(nUsers).fill(-1);
    const testRng = ctx.rng.fork("test");
    const valRng = ctx.rng.fork("validation");
    const trainUsers = new Int32Array(pairs.users.length);
    const trainItems = new Int32Array(pairs.users.length);
    let n = 0;
    let withValidation = 0;
    for (let u = 0; u < nUsers; u++) {
      const s = rows.start[u];
      const count = rows.start[u + 1] - s;
      if (count === 0) {
        throw new Error(
          `${ctx.inputs.interactions}: user ${u} has no interactions (ids must be contiguous)`,
        );
      }
      const t = testRng.int(count);
      test[u] = rows.items[s + t];
      if (count - 1 >= 2) {
        let v = valRng.int(count - 1);
        if (v >= t) v++;
        validation[u] = rows.items[s + v];
        withValidation++;
      }
      for (let k = 0; k < count; k++) {
        if (k === t) continue;
        trainUsers[n] = u;
        trainItems[n++] = rows.items[s + k];
      }
    }
    await writePairs(`${ctx.outDir}/train.npy`, {
      users: trainUsers.subarray(0, n),
      items: trainItems.subarray(0, n),
    });
    await writeNpy(`${ctx.outDir}/validation.npy`, {
      dtype: "int32",
      shape: [nUsers],
      data: validation,
    });
    await writeNpy(`${ctx.outDir}/test.npy`, { dtype: "int32", shape: [nUsers], data: test });
    ctx.log(`${nUsers} test items, ${withValidation} validation items, ${n} training interactions`);
    return { users: nUsers, train: n, validation: withValidation, test: nUsers };
  },
});
