import { missingSharedReason } from "../shared_data.ts";
/**
 * Successful imports and content-keyed external files: `data import pinterest --from DIR` (the
 * authors' real pos.txt), `data import amazon` (McAuley's `.b` + ratings: items without an image
 * and users below 5 items removed and reported, a folder the `data-dir` kind reads), and the
 * external files' SHA-256 in the dataset params of `data-dir` and `authors-split` configs.
 */
import { join } from "node:path";
import { readNpy } from "../../io/npy.ts";
import { parseDatasetConfig } from "../../config/dataset.ts";
import { withExternalHashes } from "../../plan/external_data.ts";
import { importAmazon } from "../../datasets/amazon.ts";
import { POS_SHA256 } from "../../datasets/authors_files.ts";
import {
  assert,
  assertIncludes,
  ROOT,
  runCli,
  storeEntries,
  writeAuthorsFolder,
  writeTinyAuthors,
} from "./helpers.ts";

Deno.test({
  name: "data import pinterest --from DIR copies validated files and records their hashes",
  ignore: missingSharedReason() !== null,
}, async () => {
  const tmp = await Deno.makeTempDir({ prefix: "amr-import-" });
  const from = join(tmp, "from");
  await writeAuthorsFolder(from, { dim: 8 });
  await Deno.copyFile(
    join(ROOT, "tests/fixtures/pickled_weights_py3.npy"),
    join(from, "best-vbpr.npy"),
  );
  const art = join(tmp, "artifacts");
  const r = await runCli(["data", "import", "pinterest", "--from", from], art);
  assert(r.code === 0, r.stderr);
  assertIncludes(
    r.stdout,
    "3226 users, 4998 items, D = 8",
    "87 repeated lines (84 duplicated pairs)",
  );
  const dir = join(art, "data", "pinterest");
  const lock = JSON.parse(await Deno.readTextFile(join(dir, "files.lock.json")));
  assert(lock["pos.txt"].sha256 === POS_SHA256 && lock["weights/best-vbpr.npy"].size > 0);
  assert(
    (await Deno.readTextFile(join(dir, "pos.txt"))) ===
      (await Deno.readTextFile(join(from, "pos.txt"))),
  );
  assert(storeEntries(art).length === 0);
  await Deno.remove(tmp, { recursive: true });
});

function record(asin: string, seed: number): Uint8Array {
  const out = new Uint8Array(10 + 4 * 4096);
  out.set(new TextEncoder().encode(asin), 0);
  const f = new Float32Array(4096);
  for (let k = 0; k < f.length; k++) f[k] = seed + k / 4096;
  out.set(new Uint8Array(f.buffer), 10);
  return out;
}

Deno.test("data import amazon: filters like the paper and writes a data-dir dataset", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "amr-amazon-" });
  const asins = [
    "A000000006",
    "A000000001",
    "A000000002",
    "A000000003",
    "A000000004",
    "A000000005",
    "A00000000X",
  ];
  const b = join(tmp, "image_features_Women.b");
  const recs = asins.map((a, k) => record(a, k));
  const all = new Uint8Array(recs.length * recs[0].length);
  recs.forEach((r, k) => all.set(r, k * r.length));
  await Deno.writeFile(b, all);
  const lines = [
    ...["1", "2", "3", "4", "5"].map((i) => `u1,A00000000${i},5,1`),
    "u1,NOIMAGE001,4,2",
    "u1,A000000001,3,3", // repeat
    "u2,A000000001,5,1",
    "u2,A000000002,5,1",
    "u2,NOIMAGE001,5,1",
    "u2,NOIMAGE002,5,1",
    ...["1", "2", "3", "4", "5", "6"].map((i) => `u3,A00000000${i},5,1`),
  ];
  await Deno.writeTextFile(join(tmp, "ratings.csv"), lines.join("\n") + "\n");
  const to = join(tmp, "amazon-women");
  const r = await importAmazon(to, { features: b, ratings: join(tmp, "ratings.csv") });
  assert(r.itemsWithoutImage === 2 && r.interactionsWithoutImage === 3, JSON.stringify(r));
  assert(
    r.duplicatePairs === 1 && r.usersBelowMin === 1 && r.interactionsOfDroppedUsers === 2,
    JSON.stringify(r),
  );
  assert(r.users === 2 && r.items === 6 && r.interactions === 11, JSON.stringify(r));
  // Rows follow the .b file; A00000000X (no interaction) is not kept.
  const rows = (await Deno.readTextFile(join(to, "item_asins.txt"))).trim().split("\n");
  assert(rows.join() === asins.slice(0, 6).join(), rows.join());
  const f = await readNpy(join(to, "features.npy"));
  assert(
    f.shape.join() === "6,4096" && f.data[1 * 4096] === 1 && f.data[5 * 4096 + 1] === 5 + 1 / 4096,
  );
  const csv = await Deno.readTextFile(join(to, "interactions.csv"));
  assertIncludes(csv, "user,item\n", "u3,0\n");
  assert(!csv.includes("u2"));
  // The data-dir kind reads it, with both files' hashes in its params.
  const cfg = await withExternalHashes(
    parseDatasetConfig({ kind: "data-dir", name: "amazon-women", dir: to, minPerUser: 5 }),
    join(tmp, "artifacts"),
  );
  assert(
    cfg.kind === "data-dir" &&
      Object.keys(cfg.hashes!).sort().join() === "features.npy,interactions.csv",
  );
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("external files' content is part of the dataset params (data-dir and authors-split)", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "amr-hashes-" });
  const art = join(tmp, "artifacts");
  const dir = join(tmp, "tiny");
  const raw = await writeTinyAuthors(dir);
  const a = await withExternalHashes(parseDatasetConfig(raw), art);
  await Deno.writeTextFile(
    join(dir, "pos.txt"),
    "0 0\n0 1\n1 1\n1 2\n2 2\n2 3\n3 3\n3 4\n4 4\n4 1\n",
  );
  const b = await withExternalHashes(parseDatasetConfig(raw), art);
  assert(a.kind === "authors-split" && b.kind === "authors-split");
  assert(
    a.hashes!["pos.txt"] !== b.hashes!["pos.txt"] && a.hashes!["neg.txt"] === b.hashes!["neg.txt"],
  );

  const dd = join(tmp, "dd");
  await Deno.mkdir(dd);
  await Deno.writeTextFile(join(dd, "interactions.csv"), "user,item\n0,0\n0,1\n");
  await Deno.copyFile(join(dir, "f_resnet.npy"), join(dd, "features.npy"));
  const dcfg = { kind: "data-dir", name: "dd", dir: dd, minPerUser: 2 };
  const c = await withExternalHashes(parseDatasetConfig(dcfg), art);
  await Deno.writeTextFile(join(dd, "interactions.csv"), "user,item\n0,0\n0,2\n1,1\n");
  const d = await withExternalHashes(parseDatasetConfig(dcfg), art);
  assert(c.kind === "data-dir" && d.kind === "data-dir");
  assert(c.hashes!["interactions.csv"] !== d.hashes!["interactions.csv"]);

  let m = "";
  try {
    await withExternalHashes(
      parseDatasetConfig({ kind: "authors-split", name: "p", dir: "pinterest" }),
      art,
    );
  } catch (e) {
    m = (e as Error).message;
  }
  assertIncludes(
    m,
    join(art, "data", "pinterest", "pos.txt"),
    "not found",
    "data fetch pinterest",
    "data import pinterest --from DIR",
  );
  await Deno.remove(tmp, { recursive: true });
});
