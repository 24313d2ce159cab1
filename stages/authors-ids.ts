/**
 * Stage `authors-ids` (node `filter-users` of an `authors-split` dataset): the authors' ids are
 * already contiguous, so nothing is filtered; this writes the files later stages read from the
 * filter node. Outputs: `interactions.npy` (int32 `[n, 2]`, training pairs plus test pairs,
 * distinct, sorted by user then item), `user_map.csv` and `item_map.csv` (identity maps over all
 * users and all feature rows), `filter_report.json` (the import's counts; nothing removed but
 * repeated `pos.txt` lines).
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { readNpyHeader } from "../io/npy.ts";
import { readPairs, readPerUser, writeIdMap, writePairs } from "../io/interactions.ts";

/** The id stage (no parameters). */
export const stage = defineStage({
  name: "authors-ids",
  module: import.meta.url,
  params: z.object({}).strict(),
  inputs: ["train_pairs", "test_items", "features", "import_report"],
  outputs: ["interactions.npy", "user_map.csv", "item_map.csv", "filter_report.json"],
  async run(ctx): Promise<Record<string, unknown>> {
    const items = (await readNpyHeader(ctx.inputs.features)).shape[0];
    const test = await readPerUser(ctx.inputs.test_items, { items });
    const users = test.users;
    const train = await readPairs(ctx.inputs.train_pairs, { users, items });
    const keys = new Float64Array(train.users.length + users);
    let n = 0;
    for (let k = 0; k < train.users.length; k++) {
      keys[n++] = train.users[k] * items + train.items[k];
    }
    for (let u = 0; u < users; u++) keys[n++] = u * items + test.data[u];
    keys.sort();
    let m = 0;
    for (let k = 0; k < n; k++) if (k === 0 || keys[k] !== keys[k - 1]) keys[m++] = keys[k];
    const pu = new Int32Array(m);
    const pi = new Int32Array(m);
    for (let k = 0; k < m; k++) {
      pu[k] = Math.floor(keys[k] / items);
      pi[k] = keys[k] - pu[k] * items;
    }
    await writePairs(`${ctx.outDir}/interactions.npy`, { users: pu, items: pi });
    await writeIdMap(`${ctx.outDir}/user_map.csv`, Array.from({ length: users }, (_, u) => u));
    await writeIdMap(`${ctx.outDir}/item_map.csv`, Array.from({ length: items }, (_, i) => i));
    const imported = JSON.parse(await Deno.readTextFile(ctx.inputs.import_report)) as Record<
      string,
      unknown
    >;
    const report = {
      source: "authors-split (pre-split; no filtering)",
      ...imported,
      users,
      items,
      interactions: m,
      testPairsAlsoInTraining: train.users.length + users - m,
    };
    await Deno.writeTextFile(
      `${ctx.outDir}/filter_report.json`,
      JSON.stringify(report, null, 2) + "\n",
    );
    return { users, items, interactions: m };
  },
});
