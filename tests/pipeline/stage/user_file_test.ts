/**
 * A user's config file is read only when it is a regular file within the size cap: a FIFO, a
 * device, a folder or an oversized file is one sentence naming the file and the limit, promptly
 * (never a hang or a read without end); bad UTF-8 and bad JSON name the file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MAX_USER_FILE_BYTES, readUserJson, readUserText } from "../../../pipeline/stage/mod.ts";

/** A FIFO in a fresh folder (no writer ever opens it: a plain read would block forever). */
async function makeFifo(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "user-file-" });
  const path = join(dir, "fifo.json");
  const out = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return path;
}

/** Rejects within `ms` (a hang fails the test instead of stalling the suite). */
async function promptly<T>(p: Promise<T>, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("user file: a FIFO is refused at once, naming the file and the limit", async () => {
  const fifo = await makeFifo();
  await assert.rejects(
    () => promptly(readUserText(fifo, { what: "profile" })),
    (e: Error) =>
      e.message === `profile ${fifo}: is a FIFO (named pipe); a profile must be a regular file ` +
          `of at most 4 MiB`,
  );
});

Deno.test("user file: /dev/zero and a folder are refused, never read", async () => {
  await assert.rejects(
    () => promptly(readUserJson("/dev/zero", { what: "dataset config" })),
    /^Error: dataset config \/dev\/zero: is a character device; a dataset config must be a regular file of at most 4 MiB$/,
  );
  const dir = await Deno.makeTempDir();
  await assert.rejects(
    () => readUserText(dir, { what: "profile" }),
    (e: Error) => e.message.startsWith(`profile ${dir}: is a folder; `),
  );
});

Deno.test("user file: an oversized file is refused with its size and the limit", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(path, " ".repeat(MAX_USER_FILE_BYTES + 1));
  await assert.rejects(
    () => readUserJson(path, { what: "profile" }),
    (e: Error) =>
      e.message === `profile ${path}: ${MAX_USER_FILE_BYTES + 1} bytes, over the limit; a ` +
          `profile must be a regular file of at most 4 MiB`,
  );
  await Deno.writeTextFile(path, "[1, 2]");
  assert.deepEqual(await readUserJson(path, { what: "profile", maxBytes: 6 }), [1, 2]);
  await assert.rejects(
    () => readUserJson(path, { what: "profile", maxBytes: 5 }),
    /6 bytes, over the limit; a profile must be a regular file of at most 5 bytes$/,
  );
});

Deno.test("user file: bad UTF-8 and bad JSON name the file; absence stays NotFound", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeFile(path, new Uint8Array([0x7b, 0xff, 0x7d]));
  await assert.rejects(
    () => readUserJson(path, { what: "profile" }),
    (e: Error) => e.message.startsWith(`profile ${path}: not valid UTF-8`),
  );
  await Deno.writeTextFile(path, "{");
  await assert.rejects(
    () => readUserJson(path, { what: "profile" }),
    (e: Error) => e.message.startsWith(`profile ${path}: invalid JSON: `),
  );
  await assert.rejects(
    () => readUserText(`${path}.absent`, { what: "profile" }),
    Deno.errors.NotFound,
  );
});
