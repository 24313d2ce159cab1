/**
 * io/interactions.ts and io/line_reader.ts against bad input (issue 19, item 9): user ids that
 * are not UTF-8 are an error naming the line (never merged into one user), an offending line is
 * echoed cut short, and an over-long line (a huge single-line file) fails naming the file and
 * line, streamed, before it is held in memory.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readRawInteractions } from "../../io/interactions.ts";
import { readTextLines } from "../../io/line_reader.ts";

const dir = await Deno.makeTempDir({ prefix: "interactions-test-" });

Deno.test("interactions: non-UTF-8 user ids are refused naming the line", async () => {
  const file = join(dir, "latin1.csv");
  const enc = new TextEncoder();
  await Deno.writeFile(
    file,
    new Uint8Array([
      ...enc.encode("user,item\nu1,0\nu"),
      0xfe,
      ...enc.encode(",1\nu"),
      0xff,
      ...enc.encode(",2\n"),
    ]),
  );
  await assert.rejects(readRawInteractions(file), new RegExp(`latin1\\.csv:3: not valid UTF-8`));
  // Valid UTF-8 ids stay distinct.
  const ok = join(dir, "utf8.csv");
  await Deno.writeTextFile(ok, "u\u00fe,1\nu\u00ff,2\n");
  assert.deepEqual((await readRawInteractions(ok)).userIds, ["u\u00fe", "u\u00ff"]);
});

Deno.test("interactions: an offending line is echoed cut short", async () => {
  const file = join(dir, "wide.csv");
  const row = Array.from({ length: 100_000 }, (_, i) => i).join(",");
  await Deno.writeTextFile(file, `u1,0\n${row}\n`);
  const e = await readRawInteractions(file).then(() => null, (e: Error) => e);
  assert.ok(e);
  assert.match(e.message, /wide\.csv:2: expected 2 fields \(user, item\), found 100000: '0,1,2,/);
  assert.match(e.message, new RegExp(`\\.\\.\\. \\(${row.length} characters\\)'$`));
  assert.ok(e.message.length < 300, `${e.message.length} characters`);
});

Deno.test("interactions: a huge single-line file fails naming the file, streamed", async () => {
  // 600 MB in the issue; the same path with the reader's cap at 1 MiB and a 3 MiB stream.
  const file = join(dir, "one-line.csv");
  const f = await Deno.open(file, { write: true, create: true, truncate: true });
  const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
  for (let i = 0; i < 48; i++) await f.write(chunk);
  f.close();
  await assert.rejects(
    readRawInteractions(file, { maxLineBytes: 1 << 20 }),
    /one-line\.csv:1: a line longer than 1048576 bytes \(the limit\)/,
  );
  const lines = [];
  await assert.rejects(async () => {
    for await (const l of readTextLines(file, { maxLineBytes: 1 << 20 })) lines.push(l);
  }, /one-line\.csv:1: a line longer/);
  assert.equal(lines.length, 0);
});
