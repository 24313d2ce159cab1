/**
 * Bad real-data input gives a clear error and loses nothing: a `neg.txt` row that is not
 * 1 + N ids, ids out of range, a features `.npy` of the wrong dtype or shape, an unsupported
 * pickle, a truncated Amazon `.b` record, a `data import pinterest` of invalid files. After each
 * failure the store (or the data folder) has no new entry. Checksum mismatches are covered by
 * `fetch_test.ts`.
 */
import { join } from "node:path";
import { writeNpy } from "../../io/npy.ts";
import { loadDatasetConfig, parseDatasetConfig } from "../../config/dataset.ts";
import { withExternalHashes } from "../../plan/external_data.ts";
import { loadProfile } from "../../config/profile.ts";
import { planNodes } from "../../plan/mod.ts";
import { withOfficialInit } from "../../plan/init.ts";
import { importAmazon } from "../../datasets/amazon.ts";
import { externalFileHash } from "../../pipeline/graph/external_files.ts";
import { assert, assertIncludes, ROOT, runCli, storeEntries, writeTinyAuthors } from "./helpers.ts";
import { runNodes } from "./run_graph.ts";

const DATA_NODES = ["features", "negatives", "table1"];

/** Plans the tiny dataset in `dir` and runs its data nodes; returns the error message. */
async function failingImport(dir: string, art: string): Promise<string> {
  const raw = { kind: "authors-split", name: "tiny", dir, negatives: 2 };
  const cfg = await withExternalHashes(parseDatasetConfig(raw), art);
  const profile = { ...(await loadProfile(join(ROOT, "configs"), "ci-real")), k: 4 };
  try {
    await runNodes(planNodes(cfg, profile), art, DATA_NODES);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected the import to fail");
}

Deno.test("bad authors-split input: clear errors, no store entry", async (t) => {
  const tmp = await Deno.makeTempDir({ prefix: "amr-bad-" });
  const art = join(tmp, "artifacts");
  let n = 0;
  const dirOf = () => join(tmp, `case${n++}`);

  await t.step("neg.txt row with the wrong number of ids", async () => {
    const dir = dirOf();
    await writeTinyAuthors(dir, { neg: "2 3 4\n3 4\n4 5 0\n5 0 1\n1 2 3\n" });
    const m = await failingImport(dir, art);
    assertIncludes(m, "neg.txt:2: expected 3 ids (1 test item + 2 negatives), found 2");
    assert(storeEntries(art).length === 0);
  });

  await t.step("ids out of range (pos.txt item, neg.txt item, pos.txt user)", async () => {
    let dir = dirOf();
    await writeTinyAuthors(dir, { pos: "0 0\n0 9\n" });
    assertIncludes(await failingImport(dir, art), "pos.txt:2: item id 9 out of range [0, 6)");
    dir = dirOf();
    await writeTinyAuthors(dir, { neg: "2 3 4\n3 4 6\n4 5 0\n5 0 1\n1 2 3\n" });
    assertIncludes(
      await failingImport(dir, art),
      "neg.txt:2: item id 6 (field 3) out of range [0, 6)",
    );
    dir = dirOf();
    await writeTinyAuthors(dir, { pos: "0 0\n7 1\n" });
    assertIncludes(await failingImport(dir, art), "pos.txt:2: user id 7 out of range [0, 5)");
    assert(storeEntries(art).length === 0);
  });

  await t.step("features .npy of the wrong dtype or shape", async () => {
    let dir = dirOf();
    await writeTinyAuthors(dir);
    await writeNpy(join(dir, "f_resnet.npy"), {
      dtype: "int32",
      shape: [6, 3],
      data: new Int32Array(18),
    });
    assertIncludes(
      await failingImport(dir, art),
      "f_resnet.npy: expected a float32 ('<f4') matrix [items, D], found '<i4'",
    );
    dir = dirOf();
    await writeTinyAuthors(dir);
    await writeNpy(join(dir, "f_resnet.npy"), {
      dtype: "float32",
      shape: [18],
      data: new Float32Array(18),
    });
    assertIncludes(await failingImport(dir, art), "of shape [18]");
    dir = dirOf();
    await writeTinyAuthors(dir);
    await writeNpy(join(dir, "f_resnet.npy"), {
      dtype: "float32",
      shape: [4, 3],
      data: new Float32Array(12),
    });
    assertIncludes(await failingImport(dir, art), "out of range [0, 4)");
    assert(storeEntries(art).length === 0);
  });

  await t.step("an unsupported pickle in best-vbpr.npy", async () => {
    const dir = dirOf();
    const raw = await writeTinyAuthors(dir, {
      weights: join(ROOT, "tests/fixtures/pickled_weights_py3.npy"),
    });
    const weights = join(dir, "weights", "best-vbpr.npy");
    const bytes = await Deno.readFile(weights);
    const at = bytes.findIndex((b, k) => b === 0x80 && bytes[k + 1] === 2 && k > 64); // PROTO 2
    bytes[at + 1] = 5;
    await Deno.writeFile(weights, bytes);
    const cfg = await withExternalHashes(parseDatasetConfig(raw), art);
    const profile = { ...(await loadProfile(join(ROOT, "configs"), "ci-real")), k: 4 };
    const nodes = withOfficialInit(planNodes(cfg, profile), {
      path: weights,
      sha256: await externalFileHash(weights, art),
    }, { seed: 1, k: 4, coldMode: profile.coldMode, tuned: false });
    await runNodes(nodes, art, DATA_NODES); // the data nodes are fine
    const before = storeEntries(art);
    let m = "";
    try {
      await runNodes(nodes, art, ["official-vbpr"]);
    } catch (e) {
      m = (e as Error).message;
    }
    assertIncludes(m, "best-vbpr.npy", "unsupported pickle protocol 5");
    assert(storeEntries(art).join() === before.join(), "the failed stage added a store entry");
  });
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("data import pinterest: invalid files are refused and nothing is written", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "amr-bad-import-" });
  const from = join(tmp, "from");
  await writeTinyAuthors(from);
  const to = join(tmp, "data");
  const art = join(tmp, "artifacts");
  // pos.txt is not the authors' file: refused unless --allow-unpinned.
  const r1 = await runCli(["data", "import", "pinterest", "--from", from, "--to", to], art);
  assert(r1.code !== 0);
  assertIncludes(r1.stderr, "differs from the authors' pos.txt", "--allow-unpinned");
  // With --allow-unpinned the files are checked together (here: 2 negatives per row, not 999).
  const r2 = await runCli([
    "data",
    "import",
    "pinterest",
    "--from",
    from,
    "--to",
    to,
    "--allow-unpinned",
  ], art);
  assert(r2.code !== 0);
  assertIncludes(r2.stderr, join(from, "neg.txt") + ":1: expected 1000 ids");
  let written = true;
  try {
    await Deno.stat(to);
  } catch {
    written = false;
  }
  assert(!written, "nothing may be written on failure");
  assert(storeEntries(art).length === 0);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("data import amazon: a truncated .b record names its byte offset; nothing is written", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "amr-bad-b-" });
  const b = join(tmp, "image_features_Women.b");
  const rec = 10 + 4 * 4096;
  const bytes = new Uint8Array(rec + 100);
  bytes.set(new TextEncoder().encode("B000000001"), 0);
  bytes.set(new TextEncoder().encode("B000000002"), rec);
  await Deno.writeFile(b, bytes);
  await Deno.writeTextFile(join(tmp, "ratings.csv"), "u1,B000000001,5,1000\n");
  const to = join(tmp, "out");
  let m = "";
  try {
    await importAmazon(to, { features: b, ratings: join(tmp, "ratings.csv") });
  } catch (e) {
    m = (e as Error).message;
  }
  assertIncludes(m, `truncated last record at byte ${rec}`);
  assert(
    [...Deno.readDirSync(tmp)].map((e) => e.name).sort().join() ===
      "image_features_Women.b,ratings.csv",
  );
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("dataset config: a missing or misspelt field is named with what was expected", () => {
  let message = "";
  try {
    parseDatasetConfig({ kind: "data-dir", name: "x", path: "/d" }, "x.json");
  } catch (e) {
    message = (e as Error).message;
  }
  assert(message.startsWith("x.json: invalid dataset config: "), message);
  assertIncludes(message, 'field "dir": Invalid input: expected string');
  assertIncludes(message, 'unknown field "path": not a setting here');
});

Deno.test("dataset config: an unknown dataset name lists the known ones", async () => {
  let message = "";
  try {
    await loadDatasetConfig("nope", join(ROOT, "configs", "datasets"));
  } catch (e) {
    message = (e as Error).message;
  }
  assert(message.startsWith('unknown dataset "nope": one of '), message);
  assertIncludes(message, "smoke", "or a path to a .json dataset config");
});
