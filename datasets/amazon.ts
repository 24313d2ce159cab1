/**
 * `data import amazon`: builds a `data-dir` dataset from McAuley's Amazon files, as the paper
 * prepares Amazon (women): interactions from a ratings CSV or reviews JSON-lines file; items
 * with no image record in the `.b` features file are removed, repeated (user, item) pairs are
 * merged, and users with fewer than `minPerUser` (5) distinct items are removed. The `.b` file is
 * streamed twice (ASINs only, then the kept records' features) and never held in memory.
 *
 * Output folder: `interactions.csv` (`user,item`: reviewer id, feature row), `features.npy`
 * (float32 `[items, 4096]`), `item_asins.txt` (ASIN of each row) and `import_report.json`
 * (what was removed). It is written next to the target under a temporary name and renamed into
 * place only when complete.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import {
  AMAZON_RECORD_BYTES,
  type ByteProgress,
  extractAmazonFeatures,
  listAmazonAsins,
} from "../io/amazon_b.ts";
import { loadAmazonInteractions } from "../io/amazon_ratings.ts";

/** Options of {@link importAmazon}. */
export interface AmazonImportOptions {
  /** McAuley's `image_features_<Category>.b`. */
  features: string;
  /** Ratings CSV or reviews JSON lines (optionally `.gz`). */
  ratings: string;
  /** Minimum distinct items per kept user (5 in the paper). */
  minPerUser?: number;
  /** Progress over the `.b` file's bytes. */
  onProgress?: ByteProgress;
}

/** What `import_report.json` records. */
export interface AmazonImportReport {
  /** Non-blank lines of the interactions file. */
  ratingsLines: number;
  /** Distinct users and items (ASINs) in it. */
  rawUsers: number;
  rawItems: number;
  /** Records in the `.b` file. */
  imageRecords: number;
  /** Items of the interactions without an image record, and their interactions. */
  itemsWithoutImage: number;
  interactionsWithoutImage: number;
  /** Repeated (user, item) pairs merged. */
  duplicatePairs: number;
  /** Users with fewer than `minPerUser` distinct items, and their interactions. */
  usersBelowMin: number;
  interactionsOfDroppedUsers: number;
  /** The threshold. */
  minPerUser: number;
  /** What remains. */
  users: number;
  items: number;
  interactions: number;
}

/** Imports Amazon data into the folder `to` (which must not exist yet, or be empty). */
export async function importAmazon(
  to: string,
  opts: AmazonImportOptions,
): Promise<AmazonImportReport> {
  const dest = resolve(to);
  try {
    if ([...Deno.readDirSync(dest)].length > 0) {
      throw new Error(`${dest} exists and is not empty; remove it or choose another --to`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const minPerUser = opts.minPerUser ?? 5;
  const table = await loadAmazonInteractions(opts.ratings);
  const withImage = new Set(await listAmazonAsins(opts.features, new Set(table.items)));
  const imageRecords = (await Deno.stat(opts.features)).size / AMAZON_RECORD_BYTES;

  // Drop items without an image, then repeated pairs.
  const hasImage = table.items.map((a) => withImage.has(a));
  const seen = new Set<number>();
  const users: number[] = [];
  const items: number[] = [];
  let interactionsWithoutImage = 0;
  let duplicatePairs = 0;
  const nItems = table.items.length;
  for (let k = 0; k < table.userIndex.length; k++) {
    const u = table.userIndex[k];
    const i = table.itemIndex[k];
    if (!hasImage[i]) {
      interactionsWithoutImage++;
      continue;
    }
    const key = u * nItems + i;
    if (seen.has(key)) {
      duplicatePairs++;
      continue;
    }
    seen.add(key);
    users.push(u);
    items.push(i);
  }
  const perUser = new Int32Array(table.users.length);
  for (const u of users) perUser[u]++;
  let usersBelowMin = 0;
  for (let u = 0; u < perUser.length; u++) {
    if (perUser[u] > 0 && perUser[u] < minPerUser) usersBelowMin++;
  }
  const keptUsers: number[] = [];
  const keptItems: number[] = [];
  let interactionsOfDroppedUsers = 0;
  for (let k = 0; k < users.length; k++) {
    if (perUser[users[k]] >= minPerUser) {
      keptUsers.push(users[k]);
      keptItems.push(items[k]);
    } else interactionsOfDroppedUsers++;
  }
  const keptAsins = new Set(keptItems.map((i) => table.items[i]));
  // Rows in the order of the .b file (sequential writes).
  const order = [...new Set(await listAmazonAsins(opts.features, keptAsins))];
  const rowOf = new Map(order.map((a, r) => [a, r]));

  const tmp = join(dirname(dest), `.${basename(dest)}.${crypto.randomUUID()}.tmp`);
  await Deno.mkdir(tmp, { recursive: true });
  try {
    const lines = ["user,item"];
    for (let k = 0; k < keptUsers.length; k++) {
      lines.push(`${table.users[keptUsers[k]]},${rowOf.get(table.items[keptItems[k]])}`);
    }
    await Deno.writeTextFile(join(tmp, "interactions.csv"), lines.join("\n") + "\n");
    await extractAmazonFeatures(opts.features, join(tmp, "features.npy"), {
      order,
      asinsPath: join(tmp, "item_asins.txt"),
      onProgress: opts.onProgress,
    });
    const report: AmazonImportReport = {
      ratingsLines: table.lines,
      rawUsers: table.users.length,
      rawItems: nItems,
      imageRecords,
      itemsWithoutImage: hasImage.filter((h) => !h).length,
      interactionsWithoutImage,
      duplicatePairs,
      usersBelowMin,
      interactionsOfDroppedUsers,
      minPerUser,
      users: new Set(keptUsers).size,
      items: order.length,
      interactions: keptUsers.length,
    };
    await Deno.writeTextFile(
      join(tmp, "import_report.json"),
      JSON.stringify(report, null, 2) + "\n",
    );
    await Deno.remove(dest).catch(() => {});
    await Deno.rename(tmp, dest);
    return report;
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  }
}
