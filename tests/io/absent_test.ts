/**
 * Files that may be absent (io/absent.ts): nothing there gives null; any other error (here a
 * file where a folder should be) is thrown.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { statOrNull } from "../../io/absent.ts";

Deno.test("statOrNull: null when absent, the error otherwise", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amr-absent-" });
  const file = join(dir, "f");
  await Deno.writeTextFile(file, "x");
  assert.equal(await statOrNull(join(dir, "missing")), null);
  assert.equal((await statOrNull(file))?.isFile, true);
  await assert.rejects(statOrNull(join(file, "x")), Deno.errors.NotADirectory);
});
