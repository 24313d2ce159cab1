/**
 * Stage `negatives`: the fixed evaluation negatives shared by every model (paper sec. 4.1.2).
 *
 * For each user, `count` distinct items (the profile's `negatives`) the user never interacted with (not in
 * train, validation or test) are drawn once, uniformly, from all items. A second, independent
 * draw with the same exclusions gives the validation negatives used for tuning.
 *
 * Outputs: `negatives.npy` and `validation_negatives.npy`, int32 `[users, count]`.
 */
import { z } from "zod";
import { runSettingsSchema } from "../config/profile.ts";
import { defineStage, type Rng } from "../pipeline/stage/mod.ts";
import { writeNpy } from "../io/npy.ts";
import {
  groupByUser,
  readIdMap,
  readPairs,
  readPerUser,
  type UserRows,
} from "../io/interactions.ts";

/** The negatives stage. */
export const stage = defineStage({
  name: "negatives",
  module: import.meta.url,
  params: z.object({
    /** Negatives per user: the profile's `negatives`. */
    count: runSettingsSchema.shape.negatives,
  }).strict(),
  inputs: ["train", "validation", "test", "item_map"],
  outputs: ["negatives.npy", "validation_negatives.npy"],
  async run(ctx): Promise<Record<string, unknown>> {
    const { count } = ctx.params;
    const nItems = (await readIdMap(ctx.inputs.item_map)).length;
    const test = await readPerUser(ctx.inputs.test, { items: nItems });
    const nUsers = test.users;
    const validation = await readPerUser(ctx.inputs.validation, { users: nUsers, items: nItems });
    const train = await readPairs(ctx.inputs.train, { users: nUsers, items: nItems });
    const rows = groupByUser(train, nUsers);
    const testNeg = drawNegatives(
      rows,
      [test.data, validation.data],
      nItems,
      count,
      ctx.rng.fork("test"),
      "negatives",
    );
    const valNeg = drawNegatives(
      rows,
      [test.data, validation.data],
      nItems,
      count,
      ctx.rng.fork("validation"),
      "validation negatives",
    );
    await writeNpy(`${ctx.outDir}/negatives.npy`, {
      dtype: "int32",
      shape: [nUsers, count],
      data: testNeg,
    });
    await writeNpy(`${ctx.outDir}/validation_negatives.npy`, {
      dtype: "int32",
      shape: [nUsers, count],
      data: valNeg,
    });
    return { users: nUsers, items: nItems, count };
  },
});

/**
 * Draws `count` distinct negatives per user, excluding the user's training items and the
 * items of `extra` per-user arrays (-1 = none). Returns a flat `[users * count]` array.
 */
export function drawNegatives(
  rows: UserRows,
  extra: readonly Int32Array[],
  nItems: number,
  count: number,
  rng: Rng,
  what = "negatives",
): Int32Array {
  const nUsers = rows.start.length - 1;
  const out = new Int32Array(nUsers * count);
  const mark = new Int32Array(nItems);
  for (let u = 0; u < nUsers; u++) {
    const stamp = u + 1;
    let own = 0;
    const markItem = (i: number): void => {
      if (i >= 0 && mark[i] !== stamp) {
        mark[i] = stamp;
        own++;
      }
    };
    for (let k = rows.start[u]; k < rows.start[u + 1]; k++) markItem(rows.items[k]);
    for (const e of extra) markItem(e[u]);
    const available = nItems - own;
    if (available < count) {
      throw new Error(
        `${what}: user ${u} has only ${available} items it never interacted with, fewer than count = ${count}; ` +
          `lower the negatives count for this dataset`,
      );
    }
    const base = u * count;
    if (count * 2 <= available) {
      // Rejection sampling; chosen items are stamped too, so they are not drawn twice.
      for (let j = 0; j < count;) {
        const i = rng.int(nItems);
        if (mark[i] === stamp) continue;
        mark[i] = stamp;
        out[base + j++] = i;
      }
    } else {
      const pool = new Int32Array(available);
      let p = 0;
      for (let i = 0; i < nItems; i++) if (mark[i] !== stamp) pool[p++] = i;
      for (let j = 0; j < count; j++) {
        const r = j + rng.int(available - j);
        const tmp = pool[j];
        pool[j] = pool[r];
        pool[r] = tmp;
        out[base + j] = pool[j];
      }
    }
  }
  return out;
}
