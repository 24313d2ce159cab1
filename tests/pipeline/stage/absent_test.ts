/**
 * Reads that tell "absent" from "failed" (pipeline/stage/absent.ts): nothing there gives null;
 * any other error (a file where a folder should be, a folder where a file should be) is thrown.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readTextOrNull, statOrNull } from "../../../pipeline/stage/absent.ts";

Deno.test("statOrNull: null when absent, the error otherwise", async () => {
  const dir = await Deno.makeTempDir({ prefix: "engine-absent-" });
  const file = join(dir, "f");
  await Deno.writeTextFile(file, "x");
  assert.equal(await statOrNull(join(dir, "missing")), null);
  assert.equal((await statOrNull(file))?.isFile, true);
  await assert.rejects(statOrNull(join(file, "x")), Deno.errors.NotADirectory);
});

Deno.test("readTextOrNull: null when absent, the error otherwise", async () => {
  const dir = await Deno.makeTempDir({ prefix: "engine-absent-" });
  const file = join(dir, "f");
  await Deno.writeTextFile(file, "x");
  assert.equal(await readTextOrNull(join(dir, "missing")), null);
  assert.equal(await readTextOrNull(file), "x");
  await assert.rejects(readTextOrNull(dir), Deno.errors.IsADirectory);
  await assert.rejects(readTextOrNull(join(file, "x")), Deno.errors.NotADirectory);
});
