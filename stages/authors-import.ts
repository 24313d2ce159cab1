/**
 * Stage `authors-import` (node `dataset` of an `authors-split` dataset): reads the authors'
 * pre-split files (`pos.txt`, `neg.txt`, `f_resnet.npy`; see `lib/authors_files.ts`), checks
 * them against each other and writes them in the store's form. Nothing is filtered or split:
 * `pos.txt` is the training set (repeated lines dropped and reported), row u of `neg.txt` is
 * user u's test item followed by its fixed negatives, item i is feature row i.
 *
 * The config's `hashes` (SHA-256 of each file, filled in when the target is resolved) are part
 * of the params, so a changed file reruns this stage.
 *
 * Outputs: `train_pairs.npy` (int32 `[n, 2]`, file order), `test_items.npy` (int32 `[users]`),
 * `test_negatives.npy` (int32 `[users, negatives]`), `features.npy` (the features, copied
 * unscaled), `import_report.json`.
 */
import { defineStage } from "../pipeline/stage/mod.ts";
import { writeNpy } from "../io/npy.ts";
import { authorsSplitConfigSchema } from "../config/dataset.ts";
import { readAuthorsData } from "../datasets/authors_files.ts";
import { writePairs } from "../io/interactions.ts";

/** What `import_report.json` records. */
export interface AuthorsImportReport {
  /** Non-blank lines of `pos.txt`. */
  posLines: number;
  /** Lines repeating an earlier pair (dropped). */
  duplicateLines: number;
  /** Distinct pairs occurring more than once. */
  duplicatedPairs: number;
  /** Training pairs kept. */
  trainPairs: number;
  /** Users (rows of `neg.txt`). */
  users: number;
  /** Users without any training pair. */
  usersWithoutTraining: number;
  /** Items (feature rows). */
  items: number;
  /** Feature dimension. */
  dim: number;
  /** Negatives per user. */
  negativesPerUser: number;
  /** Users whose test item is also one of their training pairs. */
  testItemsInTraining: number;
  /** Negatives that are one of the user's training items or the test item. */
  negativesHittingPositives: number;
}

/** The import stage; params are the dataset config. */
export const stage = defineStage({
  name: "authors-import",
  module: import.meta.url,
  params: authorsSplitConfigSchema,
  inputs: [],
  outputs: [
    "train_pairs.npy",
    "test_items.npy",
    "test_negatives.npy",
    "features.npy",
    "import_report.json",
  ],
  async run(ctx): Promise<Record<string, unknown>> {
    const cfg = ctx.params;
    const data = await readAuthorsData(cfg.dir, {
      negatives: cfg.negatives,
      features: cfg.features,
    });
    const { pos, neg, users, items } = data;
    const own = new Set<number>();
    const trainOf: number[][] = Array.from({ length: users }, () => []);
    for (let k = 0; k < pos.users.length; k++) trainOf[pos.users[k]].push(pos.items[k]);
    let usersWithoutTraining = 0;
    let testItemsInTraining = 0;
    let negativesHittingPositives = 0;
    const per = neg.negativesPerUser;
    for (let u = 0; u < users; u++) {
      own.clear();
      for (const i of trainOf[u]) own.add(i);
      if (own.size === 0) usersWithoutTraining++;
      if (own.has(neg.testItems[u])) testItemsInTraining++;
      own.add(neg.testItems[u]);
      for (let j = 0; j < per; j++) {
        if (own.has(neg.negatives[u * per + j])) negativesHittingPositives++;
      }
    }
    await writePairs(`${ctx.outDir}/train_pairs.npy`, { users: pos.users, items: pos.items });
    await writeNpy(`${ctx.outDir}/test_items.npy`, {
      dtype: "int32",
      shape: [users],
      data: neg.testItems,
    });
    await writeNpy(`${ctx.outDir}/test_negatives.npy`, {
      dtype: "int32",
      shape: [users, per],
      data: neg.negatives,
    });
    await Deno.copyFile(data.featuresPath, `${ctx.outDir}/features.npy`);
    const report: AuthorsImportReport = {
      posLines: pos.lines,
      duplicateLines: pos.duplicates.length,
      duplicatedPairs: pos.duplicatedPairs,
      trainPairs: pos.users.length,
      users,
      usersWithoutTraining,
      items,
      dim: data.dim,
      negativesPerUser: per,
      testItemsInTraining,
      negativesHittingPositives,
    };
    await Deno.writeTextFile(
      `${ctx.outDir}/import_report.json`,
      JSON.stringify(report, null, 2) + "\n",
    );
    ctx.log(
      `pos.txt: ${pos.lines} lines, ${report.duplicateLines} repeated lines (${report.duplicatedPairs} duplicated pairs) dropped, ` +
        `${report.trainPairs} training pairs; ${users} users, ${items} items, D = ${data.dim}`,
    );
    return { ...report };
  },
});
