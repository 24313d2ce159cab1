import {
  AMAZON_FEATURE_DIM,
  AMAZON_RECORD_BYTES,
  extractAmazonFeatures,
  listAmazonAsins,
  scanAmazonFeatures,
} from "../../io/amazon_b.ts";
import { readNpy } from "../../io/npy.ts";
import { assert, assertArrayEquals, assertEquals, assertRejects, makeTempDir } from "./helpers.ts";

/** ASIN of synthetic record r. */
function asinOf(r: number): string {
  return `B${String(r).padStart(9, "0")}`;
}

/** Feature k of record r (exactly representable in float32). */
function featureOf(r: number, k: number): number {
  return r * 8 + (k % 64) / 4 - 7;
}

/** Writes a synthetic `.b` file of `asins.length` records; returns its path. */
async function writeB(dir: string, asins: string[], extraBytes = 0): Promise<string> {
  const path = `${dir}/image_features_Test.b`;
  const buf = new Uint8Array(asins.length * AMAZON_RECORD_BYTES + extraBytes);
  const view = new DataView(buf.buffer);
  asins.forEach((asin, r) => {
    const at = r * AMAZON_RECORD_BYTES;
    for (let c = 0; c < 10; c++) buf[at + c] = asin.charCodeAt(c);
    for (let k = 0; k < AMAZON_FEATURE_DIM; k++) {
      view.setFloat32(at + 10 + 4 * k, featureOf(r, k), true);
    }
  });
  await Deno.writeFile(path, buf);
  return path;
}

function expectedRow(r: number): Float32Array {
  return Float32Array.from({ length: AMAZON_FEATURE_DIM }, (_, k) => featureOf(r, k));
}

const N = 12;
const ASINS = Array.from({ length: N }, (_, r) => asinOf(r));

Deno.test("scanAmazonFeatures: records spanning chunks, keep set", async () => {
  const dir = await makeTempDir("amazon_b_");
  const path = await writeB(dir, ASINS);
  // Chunk sizes smaller than, not dividing and larger than a record.
  for (const chunkBytes of [5000, AMAZON_RECORD_BYTES * 2 + 7, 1 << 20]) {
    const seen: string[] = [];
    const keep = new Set([asinOf(1), asinOf(5), asinOf(11), "B999999999"]);
    let progressCalls = 0;
    const summary = await scanAmazonFeatures(path, (asin, features, offset) => {
      const r = Number(asin.slice(1));
      assertEquals(offset, r * AMAZON_RECORD_BYTES);
      assertArrayEquals(features, expectedRow(r), `${asin} chunk ${chunkBytes}`);
      seen.push(asin);
    }, { keep, chunkBytes, onProgress: () => progressCalls++ });
    assertEquals(seen, [asinOf(1), asinOf(5), asinOf(11)]);
    assertEquals(summary, { records: N, kept: 3, bytes: N * AMAZON_RECORD_BYTES });
    assert(progressCalls > 0);
  }
  assertEquals(await listAmazonAsins(path), ASINS);
  assertEquals(await listAmazonAsins(path, new Set([asinOf(3), asinOf(2)])), [
    asinOf(2),
    asinOf(3),
  ]);
});

Deno.test("scanAmazonFeatures: truncated last record names its byte offset", async () => {
  const dir = await makeTempDir("amazon_b_");
  const path = await writeB(dir, ASINS.slice(0, 3), 100);
  const offset = 3 * AMAZON_RECORD_BYTES;
  await assertRejects(
    () => scanAmazonFeatures(path, () => {}),
    path,
    `truncated last record at byte ${offset}: 100 of ${AMAZON_RECORD_BYTES} bytes`,
  );
  await assertRejects(() => listAmazonAsins(path), `at byte ${offset}`);
  await assertRejects(
    () => extractAmazonFeatures(path, `${dir}/out.npy`, { order: [asinOf(0)] }),
    `at byte ${offset}`,
  );
  await assertRejects(() => Deno.stat(`${dir}/out.npy`), "No such file");
});

Deno.test("scanAmazonFeatures: a misaligned file fails on the first bad ASIN", async () => {
  const dir = await makeTempDir("amazon_b_");
  const path = await writeB(dir, ASINS.slice(0, 2));
  const bytes = await Deno.readFile(path);
  bytes[AMAZON_RECORD_BYTES + 4] = 0; // a NUL inside the second ASIN
  await Deno.writeFile(path, bytes);
  await assertRejects(
    () => scanAmazonFeatures(path, () => {}),
    `record at byte ${AMAZON_RECORD_BYTES}`,
    "non-printable ASIN byte 0x00 at position 4",
  );
});

Deno.test("extractAmazonFeatures: rows in a given order plus the ASIN list", async () => {
  const dir = await makeTempDir("amazon_b_");
  // ASIN 3 occurs twice: the first record wins.
  const path = await writeB(dir, [...ASINS, asinOf(3)]);
  const order = [asinOf(9), asinOf(2), asinOf(3), asinOf(4), asinOf(0)];
  const out = `${dir}/features.npy`;
  const res = await extractAmazonFeatures(path, out, { order, chunkBytes: 40_000 });
  assertEquals(res.rows, 5);
  assertEquals(res.asins, order);
  assertEquals(res.missing, []);
  assertEquals(res.duplicates, [asinOf(3)]);
  assertEquals(res.records, N + 1);
  assertEquals(res.asinsPath, `${dir}/features.asins.txt`);
  assertEquals(await Deno.readTextFile(res.asinsPath), order.join("\n") + "\n");
  const arr = await readNpy(out, { dtype: "float32", shape: [5, AMAZON_FEATURE_DIM] });
  order.forEach((asin, row) => {
    const r = Number(asin.slice(1));
    assertArrayEquals(
      arr.data.subarray(row * AMAZON_FEATURE_DIM, (row + 1) * AMAZON_FEATURE_DIM),
      expectedRow(r),
      `row ${row}`,
    );
  });
});

Deno.test("extractAmazonFeatures: keep set in file order; missing ASINs", async () => {
  const dir = await makeTempDir("amazon_b_");
  const path = await writeB(dir, ASINS);
  const keep = new Set([asinOf(7), asinOf(1), "B000000999"]);
  const res = await extractAmazonFeatures(path, `${dir}/k.npy`, { keep, chunkBytes: 20_000 });
  assertEquals(res.asins, [asinOf(1), asinOf(7)]);
  const arr = await readNpy(`${dir}/k.npy`, { shape: [2, AMAZON_FEATURE_DIM] });
  assertArrayEquals(arr.data.subarray(AMAZON_FEATURE_DIM), expectedRow(7));

  const order = [asinOf(1), "B000000999", asinOf(2)];
  await assertRejects(
    () => extractAmazonFeatures(path, `${dir}/m.npy`, { order }),
    "1 of 3 requested ASINs have no record (first: B000000999)",
  );
  await assertRejects(() => Deno.stat(`${dir}/m.npy`), "No such file");
  const res2 = await extractAmazonFeatures(path, `${dir}/m.npy`, { order, allowMissing: true });
  assertEquals(res2.missing, ["B000000999"]);
  const m = await readNpy(`${dir}/m.npy`, { shape: [3, AMAZON_FEATURE_DIM] });
  assert(m.data.subarray(AMAZON_FEATURE_DIM, 2 * AMAZON_FEATURE_DIM).every((x) => x === 0));
  assertArrayEquals(m.data.subarray(2 * AMAZON_FEATURE_DIM), expectedRow(2));
  await assertRejects(
    () => extractAmazonFeatures(path, `${dir}/d.npy`, { order: [asinOf(1), asinOf(1)] }),
    "appears twice in order",
  );
});
