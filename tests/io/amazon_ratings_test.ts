import { loadAmazonInteractions, readAmazonInteractions } from "../../io/amazon_ratings.ts";
import { assertArrayEquals, assertEquals, assertRejects, makeTempDir } from "./helpers.ts";

async function tempFile(name: string, text: string, gzip = false): Promise<string> {
  const dir = await makeTempDir("amazon_ratings_");
  const path = `${dir}/${name}`;
  let bytes: Uint8Array = new TextEncoder().encode(text);
  if (gzip) {
    const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  await Deno.writeFile(path, bytes);
  return path;
}

const CSV =
  "A1,0000031852,5.0,1379116800\nA2,0000031852,3.0,1300000000\r\n\nA1,B00000XYZ1,4.0,1400000000";

Deno.test("loadAmazonInteractions: ratings CSV (user,item,rating,timestamp)", async () => {
  const path = await tempFile("ratings_Test.csv", CSV);
  const t = await loadAmazonInteractions(path);
  assertEquals(t.users, ["A1", "A2"]);
  assertEquals(t.items, ["0000031852", "B00000XYZ1"]);
  assertArrayEquals(t.userIndex, [0, 1, 0]);
  assertArrayEquals(t.itemIndex, [0, 0, 1]);
  assertArrayEquals(t.ratings, [5, 3, 4]);
  assertArrayEquals(t.timestamps, [1379116800, 1300000000, 1400000000]);
  assertEquals(t.lines, 3);
  const kept = await loadAmazonInteractions(path, { keepItems: new Set(["B00000XYZ1"]) });
  assertEquals([kept.users, kept.items, kept.lines], [["A1"], ["B00000XYZ1"], 3]);
});

Deno.test("readAmazonInteractions: reviews JSON lines, gzipped", async () => {
  const lines = [
    { reviewerID: "R1", asin: "B1", overall: 5, unixReviewTime: 10, reviewText: "ok, fine" },
    { reviewerID: "R2", asin: "B2" },
  ].map((o) => JSON.stringify(o)).join("\n") + "\n";
  const path = await tempFile("reviews_Test.json.gz", lines, true);
  const got = [];
  for await (const r of readAmazonInteractions(path)) got.push(r);
  assertEquals(got, [
    { user: "R1", item: "B1", rating: 5, timestamp: 10, line: 1 },
    { user: "R2", item: "B2", rating: null, timestamp: null, line: 2 },
  ]);
  const t = await loadAmazonInteractions(path, { format: "jsonl" });
  assertEquals(Number.isNaN(t.ratings[1]), true);
});

Deno.test("readAmazonInteractions: bad lines name file and line", async () => {
  const fields = await tempFile("r.csv", "A1,B1,5.0,1\nA1,B2,5.0\n");
  await assertRejects(
    () => loadAmazonInteractions(fields),
    `${fields}:2:`,
    "expected 4 comma-separated fields (user,item,rating,timestamp), found 3",
  );
  const rating = await tempFile("r.csv", "A1,B1,five,1\n");
  await assertRejects(() => loadAmazonInteractions(rating), `${rating}:1:`, "numeric rating");
  const json = await tempFile(
    "r.json",
    '{"reviewerID": "R1", "asin": "B1"}\n{"reviewerID": "R2"\n',
  );
  await assertRejects(() => loadAmazonInteractions(json), `${json}:2:`, "invalid JSON");
  const loose = await tempFile("r.json", "{'reviewerID': 'R1', 'asin': 'B1'}\n");
  await assertRejects(() => loadAmazonInteractions(loose), `${loose}:1:`, "loose JSON");
  const noAsin = await tempFile("r.json", '{"reviewerID": "R1"}\n');
  await assertRejects(() => loadAmazonInteractions(noAsin), `${noAsin}:1:`, "'asin'");
});
