/**
 * Stage `filter-users`: cleans raw interactions as the paper describes (sec. 4.1.1).
 *
 * Drops lines whose item has no feature row, drops duplicate (user, item) pairs (counted),
 * keeps users with at least `minPerUser` distinct items and items with at least one remaining
 * interaction (repeated until nothing changes), then remaps both to contiguous ids:
 * users in order of first appearance in the raw file, items in ascending raw id (feature row)
 * order, so that the features stage can stream rows in order.
 *
 * Outputs: `interactions.npy` (int32 `[n, 2]` user, item; sorted by user then item),
 * `user_map.csv` and `item_map.csv` (`id,raw`), `filter_report.json` (what was removed).
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { readNpyHeader } from "../io/npy.ts";
import { readRawInteractions, writeIdMap, writePairs } from "../io/interactions.ts";

/** Counts written to `filter_report.json`. */
export interface FilterReport {
  /** Interaction lines in the raw file. */
  rawLines: number;
  /** Distinct raw users. */
  rawUsers: number;
  /** Rows of the raw features matrix. */
  featureRows: number;
  /** Lines dropped because their item has no feature row. */
  linesWithoutFeatures: number;
  /** Lines dropped as repeats of an earlier (user, item) pair. */
  duplicatePairs: number;
  /** Users dropped for having fewer than `minPerUser` interactions. */
  usersBelowMin: number;
  /** Interactions dropped with those users. */
  interactionsOfDroppedUsers: number;
  /** Feature rows (items) without any remaining interaction. */
  itemsWithoutInteractions: number;
  /** Filtering rounds until stable. */
  rounds: number;
  /** Users kept. */
  users: number;
  /** Items kept. */
  items: number;
  /** Interactions kept. */
  interactions: number;
  /** The threshold used. */
  minPerUser: number;
}

/** Filters users and items; see the module comment. */
export const stage = defineStage({
  name: "filter-users",
  module: import.meta.url,
  params: z.object({
    /** Minimum number of distinct items per kept user. */
    minPerUser: z.number().int().min(1),
  }).strict(),
  inputs: ["interactions", "features"],
  outputs: ["interactions.npy", "user_map.csv", "item_map.csv", "filter_report.json"],
  async run(ctx): Promise<Record<string, unknown>> {
    const { minPerUser } = ctx.params;
    const header = await readNpyHeader(ctx.inputs.features);
    if (header.shape.length !== 2) {
      throw new Error(
        `${ctx.inputs.features}: expected a matrix [items, D], found shape [${
          header.shape.join(", ")
        }]`,
      );
    }
    const featureRows = header.shape[0];
    const raw = await readRawInteractions(ctx.inputs.interactions);
    const rawLines = raw.users.length;
    const rawUsers = raw.userIds.length;

    // Keys user * span + item of lines with a feature row; sorting them groups by user and
    // puts duplicates next to each other.
    const span = featureRows;
    const keys = new Float64Array(rawLines);
    let n = 0;
    for (let k = 0; k < rawLines; k++) {
      if (raw.items[k] < featureRows) keys[n++] = raw.users[k] * span + raw.items[k];
    }
    const linesWithoutFeatures = rawLines - n;
    const sorted = keys.subarray(0, n).sort();
    let unique = 0;
    for (let k = 0; k < n; k++) {
      if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[unique++] = sorted[k];
    }
    const duplicatePairs = n - unique;
    let users = new Int32Array(unique);
    let items = new Int32Array(unique);
    for (let k = 0; k < unique; k++) {
      const u = Math.floor(sorted[k] / span);
      users[k] = u;
      items[k] = sorted[k] - u * span;
    }

    let rounds = 0;
    let usersBelowMin = 0;
    let interactionsOfDroppedUsers = 0;
    const userCount = new Int32Array(rawUsers);
    const itemCount = new Int32Array(featureRows);
    for (;;) {
      rounds++;
      userCount.fill(0);
      for (let k = 0; k < users.length; k++) userCount[users[k]]++;
      let keep = 0;
      for (let k = 0; k < users.length; k++) if (userCount[users[k]] >= minPerUser) keep++;
      if (keep === users.length) break;
      for (let u = 0; u < rawUsers; u++) {
        if (userCount[u] > 0 && userCount[u] < minPerUser) usersBelowMin++;
      }
      interactionsOfDroppedUsers += users.length - keep;
      const nu = new Int32Array(keep);
      const ni = new Int32Array(keep);
      let j = 0;
      for (let k = 0; k < users.length; k++) {
        if (userCount[users[k]] >= minPerUser) {
          nu[j] = users[k];
          ni[j++] = items[k];
        }
      }
      users = nu;
      items = ni;
      // Items only disappear when they lose all interactions, which changes no user's count;
      // the loop still re-checks so that any future item rule stays correct.
    }
    for (let k = 0; k < items.length; k++) itemCount[items[k]]++;

    const userNew = new Int32Array(rawUsers).fill(-1);
    const userRaw: string[] = [];
    for (let u = 0; u < rawUsers; u++) {
      if (userCount[u] >= minPerUser) {
        userNew[u] = userRaw.length;
        userRaw.push(raw.userIds[u]);
      }
    }
    const itemNew = new Int32Array(featureRows).fill(-1);
    const itemRaw: number[] = [];
    for (let i = 0; i < featureRows; i++) {
      if (itemCount[i] > 0) {
        itemNew[i] = itemRaw.length;
        itemRaw.push(i);
      }
    }
    for (let k = 0; k < users.length; k++) {
      users[k] = userNew[users[k]];
      items[k] = itemNew[items[k]];
    }
    await writePairs(`${ctx.outDir}/interactions.npy`, { users, items });
    await writeIdMap(`${ctx.outDir}/user_map.csv`, userRaw);
    await writeIdMap(`${ctx.outDir}/item_map.csv`, itemRaw);
    const report: FilterReport = {
      rawLines,
      rawUsers,
      featureRows,
      linesWithoutFeatures,
      duplicatePairs,
      usersBelowMin,
      interactionsOfDroppedUsers,
      itemsWithoutInteractions: featureRows - itemRaw.length,
      rounds,
      users: userRaw.length,
      items: itemRaw.length,
      interactions: users.length,
      minPerUser,
    };
    await Deno.writeTextFile(
      `${ctx.outDir}/filter_report.json`,
      JSON.stringify(report, null, 2) + "\n",
    );
    ctx.log(
      `kept ${report.users} users, ${report.items} items, ${report.interactions} interactions ` +
        `(dropped ${duplicatePairs} duplicates, ${usersBelowMin} users below ${minPerUser})`,
    );
    return { ...report };
  },
});
