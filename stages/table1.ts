/**
 * Stage `table1`: the dataset statistics of the paper's Table 1, plus the share of cold-start
 * test items (sec. 4.1.2), ours beside the paper's.
 *
 * Cold-start test item: a user's test item that appears in no training interaction (training
 * here includes the validation items, as in final runs). `coldTestShare` counts test cases
 * (one per user); `coldTestItemShare` counts distinct test items. The paper's "52.6% items in the
 * testing set" is read as the distinct-item share (with 9,844 interactions over 3,226 users the
 * per-case share cannot reach 52.6% with only 4,998 items unless niche items concentrate on
 * light users), so the paper's value sits beside `coldTestItemShare`.
 *
 * Outputs: `table1.json` (all numbers), `table1.csv`, `table1.md` (rendered with `tables/format.ts`).
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { readIdMap, readPairs, readPerUser } from "../io/interactions.ts";
import { type Cell, toCsv, toMarkdown } from "../tables/format.ts";
import { fmtPct } from "../tables/numbers.ts";
import { paperDatasetSchema, type PaperTable1, paperValues } from "../config/paper.ts";

/** The statistics computed by this stage. */
export interface Table1Stats {
  /** Dataset name. */
  dataset: string;
  /** Users after filtering. */
  users: number;
  /** Items after filtering. */
  items: number;
  /** Interactions after filtering (train, validation and test). */
  interactions: number;
  /** 1 - interactions / (users * items). */
  sparsity: number;
  /** Training interactions (validation included). */
  trainInteractions: number;
  /** Users with a validation item. */
  validationUsers: number;
  /** Share of test cases whose item is absent from training. */
  coldTestShare: number;
  /** Share of distinct test items absent from training. */
  coldTestItemShare: number;
  /** Items that never appear in training. */
  coldItems: number;
}

/** Computes the Table 1 statistics from the filtered interactions and the split. */
export function computeTable1(
  dataset: string,
  nItems: number,
  interactions: number,
  trainItems: Int32Array,
  test: Int32Array,
  validation: Int32Array,
): Table1Stats {
  const inTrain = new Uint8Array(nItems);
  for (let k = 0; k < trainItems.length; k++) inTrain[trainItems[k]] = 1;
  let coldCases = 0;
  const seen = new Uint8Array(nItems);
  let distinct = 0;
  let coldDistinct = 0;
  for (let u = 0; u < test.length; u++) {
    const i = test[u];
    if (!inTrain[i]) coldCases++;
    if (!seen[i]) {
      seen[i] = 1;
      distinct++;
      if (!inTrain[i]) coldDistinct++;
    }
  }
  let coldItems = 0;
  for (let i = 0; i < nItems; i++) if (!inTrain[i]) coldItems++;
  let validationUsers = 0;
  for (let u = 0; u < validation.length; u++) if (validation[u] >= 0) validationUsers++;
  const users = test.length;
  return {
    dataset,
    users,
    items: nItems,
    interactions,
    sparsity: 1 - interactions / (users * nItems),
    trainInteractions: trainItems.length,
    validationUsers,
    coldTestShare: users > 0 ? coldCases / users : 0,
    coldTestItemShare: distinct > 0 ? coldDistinct / distinct : 0,
    coldItems,
  };
}

/** Renders ours beside the paper's values (paper columns empty when there is none). */
export function table1Rows(
  stats: Table1Stats,
  paper: PaperTable1 | null,
): { header: string[]; rows: Cell[][] } {
  const header = ["Statistic", `Ours (${stats.dataset})`, "Paper"];
  const rows: Cell[][] = [
    ["Users", stats.users, paper?.users ?? null],
    ["Items", stats.items, paper?.items ?? null],
    ["Interactions", stats.interactions, paper?.interactions ?? null],
    [
      "Sparsity",
      fmtPct(stats.sparsity, { digits: 3 }),
      paper ? fmtPct(paper.sparsity, { digits: 3 }) : null,
    ],
    [
      "Cold-start share of distinct test items",
      fmtPct(stats.coldTestItemShare, { digits: 1 }),
      paper ? fmtPct(paper.coldTestShare, { digits: 1 }) : null,
    ],
    ["Cold-start share of test cases (users)", fmtPct(stats.coldTestShare, { digits: 1 }), null],
    ["Training interactions (incl. validation)", stats.trainInteractions, null],
    ["Users with a validation item", stats.validationUsers, null],
  ];
  return { header, rows };
}

/** The table1 stage. */
export const stage = defineStage({
  name: "table1",
  module: import.meta.url,
  params: z.object({
    /** Dataset name shown in the table. */
    dataset: z.string().min(1),
    /** Paper dataset whose Table 1 row is shown beside ours, or null for none. */
    paper: paperDatasetSchema.nullable().default(null),
  }).strict(),
  inputs: ["interactions", "train", "validation", "test", "item_map"],
  outputs: ["table1.json", "table1.csv", "table1.md"],
  async run(ctx): Promise<Record<string, unknown>> {
    const nItems = (await readIdMap(ctx.inputs.item_map)).length;
    const test = await readPerUser(ctx.inputs.test, { items: nItems });
    const validation = await readPerUser(ctx.inputs.validation, {
      users: test.users,
      items: nItems,
    });
    const all = await readPairs(ctx.inputs.interactions, { users: test.users, items: nItems });
    const train = await readPairs(ctx.inputs.train, { users: test.users, items: nItems });
    const stats = computeTable1(
      ctx.params.dataset,
      nItems,
      all.users.length,
      train.items,
      test.data,
      validation.data,
    );
    const paper: PaperTable1 | null = ctx.params.paper
      ? paperValues(ctx.params.paper).table1 ?? null
      : null;
    const { header, rows } = table1Rows(stats, paper);
    const caption = `Table 1: statistics of ${stats.dataset}` +
      (paper ? ` vs the paper's ${ctx.params.paper}` : "");
    await Deno.writeTextFile(
      `${ctx.outDir}/table1.json`,
      JSON.stringify({ ours: stats, paper, paperDataset: ctx.params.paper }, null, 2) + "\n",
    );
    await Deno.writeTextFile(`${ctx.outDir}/table1.csv`, toCsv({ header, rows }));
    await Deno.writeTextFile(
      `${ctx.outDir}/table1.md`,
      toMarkdown({ header, rows, caption, align: ["l", "r", "r"] }),
    );
    return { ...stats };
  },
});
