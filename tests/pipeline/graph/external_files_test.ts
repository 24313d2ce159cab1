/**
 * External files (issue 19, item 10): by default a file's hash is trusted while its size and
 * mtime are unchanged (as make and DVC do); `--rehash` re-reads it, and the CLI offers the flag
 * on `reproduce` and `status`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { externalFileHash, setRehash } from "../../../pipeline/graph/external_files.ts";
import { buildCli } from "../../../pipeline/cli/main.ts";
import { sha256 } from "../../../pipeline/stage/hash.ts";
import { wordCountProject } from "../second_project/project.ts";

Deno.test("external files: same size and mtime trust the cached hash; --rehash re-reads", async () => {
  const dir = await Deno.makeTempDir({ prefix: "external-files-test-" });
  const file = join(dir, "data.csv");
  await Deno.writeTextFile(file, "u1,i1\n");
  const st = await Deno.stat(file);
  try {
    assert.equal(await externalFileHash(file, dir), sha256("u1,i1\n"));
    // Rewritten with the same size, its mtime put back: the default does not notice.
    await Deno.writeTextFile(file, "u1,i2\n");
    await Deno.utime(file, st.atime!, st.mtime!);
    assert.equal(await externalFileHash(file, dir), sha256("u1,i1\n"));
    setRehash(true);
    assert.equal(await externalFileHash(file, dir), sha256("u1,i2\n"));
    // The cache now holds the new hash; with --rehash off it is used again.
    setRehash(false);
    assert.equal(await externalFileHash(file, dir), sha256("u1,i2\n"));
  } finally {
    setRehash(false);
  }
});

Deno.test("external files: reproduce and status take --rehash", () => {
  const cli = buildCli(wordCountProject(Deno.makeTempDirSync()));
  for (const name of ["reproduce", "status"]) {
    const cmd = cli.commands.find((c) => c.name() === name)!;
    assert.ok(cmd.options.some((o) => o.long === "--rehash"), name);
  }
});
