import { authorsPosPath, missingSharedReason } from "../shared_data.ts";
import { readAuthorsNeg, readAuthorsPos } from "../../io/authors_split.ts";
import { assert, assertArrayEquals, assertEquals, assertRejects, makeTempDir } from "./helpers.ts";

const REAL_POS = authorsPosPath() ?? "";

async function tempFile(text: string): Promise<string> {
  const dir = await makeTempDir("authors_split_");
  const path = `${dir}/data.txt`;
  await Deno.writeTextFile(path, text);
  return path;
}

/** One neg.txt row: test item then `n` negatives derived from the user id. */
function negRow(u: number, n = 999, numItems = 4998): string {
  const ids = [u];
  for (let k = 0; k < n; k++) ids.push((u * 7 + k * 3 + 1) % numItems);
  return ids.join(" ");
}

Deno.test({
  name: "readAuthorsPos: the authors' real pos.txt (6,618 lines, 84 duplicated pairs)",
  ignore: missingSharedReason() !== null,
}, async () => {
  const pos = await readAuthorsPos(REAL_POS, { numUsers: 3226, numItems: 4998 });
  assertEquals(pos.lines, 6618);
  // `sort pos.txt | uniq -d | wc -l` = 84 pairs; one of them ("3095 2372") occurs 5 times,
  // so 87 lines are repeats and `sort -u` leaves 6,531 pairs.
  assertEquals(pos.duplicatedPairs, 84);
  assertEquals(pos.duplicates.length, 87);
  assertEquals(pos.users.length, 6531);
  assertEquals(pos.duplicates.filter((d) => d.user === 3095 && d.item === 2372).length, 4);
  assertEquals(pos.maxUser, 3226);
  assertEquals(new Set(pos.items).size, 3818);
  assert(pos.maxItem <= 4998);
  // No pair survives twice; every duplicate points back to an earlier identical line.
  const keys = new Set<string>();
  for (let k = 0; k < pos.users.length; k++) keys.add(`${pos.users[k]} ${pos.items[k]}`);
  assertEquals(keys.size, pos.users.length);
  for (const d of pos.duplicates) {
    assert(d.firstLine < d.line && keys.has(`${d.user} ${d.item}`));
  }
});

Deno.test("readAuthorsPos: small file, duplicates reported and dropped", async () => {
  const path = await tempFile("0 1\n1 2\n0 1\n\n2\t0\r\n1 2");
  const pos = await readAuthorsPos(path);
  assertArrayEquals(pos.users, [0, 1, 2]);
  assertArrayEquals(pos.items, [1, 2, 0]);
  assertEquals(pos.lines, 5);
  assertEquals(pos.duplicates, [
    { line: 3, firstLine: 1, user: 0, item: 1 },
    { line: 6, firstLine: 2, user: 1, item: 2 },
  ]);
  assertEquals(pos.duplicatedPairs, 2);
  assertEquals([pos.maxUser, pos.maxItem], [3, 3]);
});

Deno.test("readAuthorsPos: bad lines name file, line and expectation", async () => {
  const three = await tempFile("0 1\n1 2 3\n");
  await assertRejects(() => readAuthorsPos(three), three, ":2:", "expected 2 ids", "found 3");
  const word = await tempFile("0 1\n1 x\n");
  await assertRejects(() => readAuthorsPos(word), `${word}:2:`, "'x'");
  const neg = await tempFile("0 -1\n");
  await assertRejects(() => readAuthorsPos(neg), `${neg}:1:`, "'-1'");
  const range = await tempFile("0 1\n5 7\n");
  await assertRejects(
    () => readAuthorsPos(range, { numItems: 7 }),
    `${range}:2:`,
    "item id 7 out of range [0, 7)",
  );
});

Deno.test("readAuthorsNeg: rows of 1 + 999 ids", async () => {
  const path = await tempFile([0, 1, 2].map((u) => negRow(u)).join("\n") + "\n\n");
  const neg = await readAuthorsNeg(path, { numItems: 4998, negativesPerUser: 999, numUsers: 3 });
  assertEquals(neg.numUsers, 3);
  assertEquals(neg.negativesPerUser, 999);
  assertArrayEquals(neg.testItems, [0, 1, 2]);
  assertEquals(neg.negatives.length, 3 * 999);
  assertEquals(neg.negatives[999], (1 * 7 + 0 * 3 + 1) % 4998);
  assertEquals(neg.negatives[3 * 999 - 1], (2 * 7 + 998 * 3 + 1) % 4998);
});

Deno.test("readAuthorsNeg: a row with 998 ids", async () => {
  const path = await tempFile([negRow(0), negRow(1, 997), negRow(2)].join("\n"));
  await assertRejects(
    () => readAuthorsNeg(path, { numItems: 4998, negativesPerUser: 999 }),
    `${path}:2:`,
    "expected 1000 ids (1 test item + 999 negatives), found 998",
  );
});

Deno.test("readAuthorsNeg: id out of range, blank row, row count", async () => {
  const ids = negRow(1).split(" ");
  ids[500] = "4998";
  const path = await tempFile([negRow(0), ids.join(" ")].join("\n"));
  await assertRejects(
    () => readAuthorsNeg(path, { numItems: 4998, negativesPerUser: 999 }),
    `${path}:2:`,
    "item id 4998 (field 501) out of range [0, 4998)",
  );
  const blank = await tempFile([negRow(0), "", negRow(1)].join("\n"));
  await assertRejects(
    () => readAuthorsNeg(blank, { numItems: 4998, negativesPerUser: 999 }),
    `${blank}:2:`,
    "blank line",
  );
  const short = await tempFile(negRow(0));
  await assertRejects(
    () => readAuthorsNeg(short, { numItems: 4998, negativesPerUser: 999, numUsers: 2 }),
    short,
    "expected 2 rows",
    "found 1",
  );
  const small = await tempFile("3 1 2\n");
  const neg = await readAuthorsNeg(small, { numItems: 4, negativesPerUser: 2 });
  assertArrayEquals(neg.negatives, [1, 2]);
});
