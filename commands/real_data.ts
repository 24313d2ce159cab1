/**
 * `amr data fetch pinterest`, `amr data import pinterest --from DIR` and
 * `amr data import amazon --features FILE.b --ratings FILE`: bring real data into a data folder
 * outside git (`<artifacts>/data/<name>` unless `--to DIR`).
 */
import { type Command, Option } from "@commander-js/extra-typings";
import { join, resolve } from "node:path";
import { createProgress, type Progress } from "../pipeline/mod.ts";
import { ChecksumError, DownloadError } from "../io/fetch.ts";
import {
  AUTHORS_BASE_URL,
  AUTHORS_FILES,
  BASE_URL_ENV,
  LOCK_FILE_NAME,
} from "../datasets/authors_files.ts";
import { fetchPinterest, importPinterest, type PinterestSummary } from "../datasets/pinterest.ts";
import { importAmazon } from "../datasets/amazon.ts";

/** What the real-data commands need from the project. */
export interface RealDataContext {
  /** The artifacts root (data folders default to `<root>/data/<name>`). */
  artifactsRoot: string;
}

function only(what: string, name: string, allowed: string): void {
  if (name !== allowed) {
    throw new Error(`data ${what}: unknown dataset "${name}" (known: ${allowed})`);
  }
}

function printSummary(s: PinterestSummary): void {
  for (const f of s.files) {
    const how = f.downloaded
      ? (f.resumedFrom > 0 ? `downloaded (resumed at ${f.resumedFrom} bytes)` : "downloaded")
      : "in place";
    console.log(
      `  ${f.name.padEnd(22)} ${String(f.size).padStart(10)} bytes  sha256 ${f.sha256}  ${how}`,
    );
  }
  console.log(
    `pinterest: ${s.users} users, ${s.items} items, D = ${s.dim}; pos.txt ${s.posLines} lines, ` +
      `${s.duplicateLines} repeated lines (${s.duplicatedPairs} duplicated pairs) dropped -> ${s.trainPairs} training pairs`,
  );
  for (const w of s.warnings) console.log(`warning: ${w}`);
  console.log(`data folder: ${s.dir} (hashes in ${LOCK_FILE_NAME})`);
}

function manualHint(dir: string): string {
  const list = AUTHORS_FILES.map((f) => `  ${f.remote}`).join("\n");
  return `To place the files by hand, download these from github.com/duxy-me/AMR:\n${list}\n` +
    `into one folder DIR (best-vbpr.npy may sit in DIR or DIR/weights), then run\n` +
    `  deno task amr data import pinterest --from DIR${dir ? ` --to ${dir}` : ""}`;
}

/** Plain-line or bar progress for one file's bytes (KiB). */
function byteProgress(): (file: string, done: number, total: number | null) => void {
  let current = "";
  let bar: Progress | null = null;
  return (file, done, total) => {
    if (file !== current) {
      bar?.stop();
      current = file;
      bar = createProgress("fetch", { interval: 2 });
      bar.start(total === null ? 0 : Math.ceil(total / 1024), `${file} KiB`);
    }
    bar?.update(Math.floor(done / 1024));
    if (total !== null && done >= total) bar?.stop();
  };
}

/** Adds `fetch` and `import` to the `data` command group. */
export function registerRealDataCommands(data: Command, ctx: RealDataContext): void {
  const defaultDir = (name: string) => join(ctx.artifactsRoot, "data", name);

  data.command("fetch").description(
    "download the authors' Pinterest files (pos.txt, neg.txt, f_resnet.npy, best-vbpr.npy)",
  )
    .argument("<dataset>", "pinterest")
    .option("--to <dir>", "data folder (default: <artifacts>/data/pinterest)")
    .addOption(new Option("--base-url <url>", `repository raw-file URL (env ${BASE_URL_ENV})`))
    .option(
      "--timeout-ms <ms>",
      "abort a request after this long without data",
      (v) => Number(v),
      30_000,
    )
    .option("--retries <n>", "retries per file", (v) => Number(v), 3)
    .option(
      "--backoff-ms <ms>",
      "wait before the first retry (doubles each time)",
      (v) => Number(v),
      1000,
    )
    .option("--no-weights", "skip weights/best-vbpr.npy")
    .action(async (name, f) => {
      only("fetch", name, "pinterest");
      const dir = resolve(f.to ?? defaultDir("pinterest"));
      const baseUrl = f.baseUrl ?? Deno.env.get(BASE_URL_ENV) ?? AUTHORS_BASE_URL;
      console.log(`fetching the authors' Pinterest files from ${baseUrl} into ${dir}`);
      try {
        const s = await fetchPinterest(dir, {
          baseUrl,
          timeoutMs: f.timeoutMs,
          retries: f.retries,
          backoffMs: f.backoffMs,
          skipWeights: !f.weights,
          onProgress: byteProgress(),
        });
        printSummary(s);
        console.log(
          `next: deno task amr reproduce --dataset pinterest${
            f.to ? " (with a dataset config whose dir is " + dir + ")" : ""
          }`,
        );
      } catch (e) {
        if (e instanceof ChecksumError) {
          throw new Error(
            `${e.message}\nThe bad download was removed; nothing was stored. ${
              manualHint(f.to ? dir : "")
            }`,
          );
        }
        if (e instanceof DownloadError) {
          const offline =
            /no network|could not be resolved|connection refused|timeout|fetch failed|error sending request/i
              .test(e.message);
          const lead = offline ? `no network access to ${baseUrl} (${e.message})` : e.message;
          throw new Error(`${lead}\n${manualHint(f.to ? dir : "")}`);
        }
        throw e;
      }
    });

  const imp = data.command("import").description(
    "validate real data files and place them in a data folder",
  );

  imp.command("pinterest").description(
    "the authors' files from a folder: pos.txt, neg.txt, f_resnet.npy [, best-vbpr.npy]",
  )
    .requiredOption("--from <dir>", "folder holding the files")
    .option("--to <dir>", "data folder (default: <artifacts>/data/pinterest)")
    .option("--link", "symlink instead of copying")
    .option("--allow-unpinned", "accept a pos.txt that differs from the authors' file")
    .action(async (f) => {
      const dir = resolve(f.to ?? defaultDir("pinterest"));
      const s = await importPinterest(f.from, dir, {
        link: f.link ?? false,
        allowUnpinned: f.allowUnpinned ?? false,
      });
      printSummary(s);
    });

  imp.command("amazon").description(
    "McAuley's image features (.b) and ratings/reviews -> a data-dir dataset",
  )
    .requiredOption("--features <file.b>", "image_features_<Category>.b")
    .requiredOption("--ratings <file>", "ratings CSV (user,item,rating,time) or reviews JSON lines")
    .option("--to <dir>", "output folder (default: <artifacts>/data/amazon-women)")
    .option("--min-per-user <n>", "minimum distinct items per kept user", (v) => Number(v), 5)
    .action(async (f) => {
      const dir = resolve(f.to ?? defaultDir("amazon-women"));
      const total = (await Deno.stat(f.features)).size;
      const bar = createProgress("import", { interval: 5 });
      bar.start(Math.ceil(total / (1 << 20)), "features MiB");
      const r = await importAmazon(dir, {
        features: f.features,
        ratings: f.ratings,
        minPerUser: f.minPerUser,
        onProgress: (done) => bar.update(Math.floor(done / (1 << 20))),
      });
      bar.stop();
      console.log(
        `read ${r.ratingsLines} interactions (${r.rawUsers} users, ${r.rawItems} items); ${r.imageRecords} image records\n` +
          `removed: ${r.itemsWithoutImage} items without an image (${r.interactionsWithoutImage} interactions), ` +
          `${r.duplicatePairs} repeated pairs, ${r.usersBelowMin} users with fewer than ${r.minPerUser} items ` +
          `(${r.interactionsOfDroppedUsers} interactions)\n` +
          `kept: ${r.users} users, ${r.items} items, ${r.interactions} interactions -> ${dir}\n` +
          `next: deno task amr reproduce --data-dir ${dir}`,
      );
    });
}
