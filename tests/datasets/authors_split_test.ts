import { missingSharedReason } from "../shared_data.ts";
/**
 * The pre-split (`authors-split`) dataset end to end through the CLI, on the authors' real
 * `pos.txt` (6,618 lines, 3,226 users, 4,998 items) with a generated `neg.txt` (999 negatives)
 * and generated features (4,998 x 64), under the `ci-real` profile: Table 1 from these files,
 * the duplicate counts, every model and Table 2, a cached second run, and a rerun of the import
 * (data nodes) when an external file changes.
 */
import { join } from "node:path";
import {
  assert,
  assertIncludes,
  runCli,
  writeAuthorsConfig,
  writeAuthorsFolder,
} from "./helpers.ts";

Deno.test({
  name: "authors-split: reproduce on the authors' pos.txt, cache, and rerun when neg.txt changes",
  ignore: missingSharedReason() !== null,
}, async () => {
  const tmp = await Deno.makeTempDir({ prefix: "amr-authors-" });
  const dir = join(tmp, "pinterest");
  const users = await writeAuthorsFolder(dir, { dim: 64 });
  assert(users === 3226, `users ${users}`);
  const cfg = await writeAuthorsConfig(join(tmp, "pinterest-test.json"), dir);
  const art = join(tmp, "artifacts");
  const args = ["reproduce", "--profile", "ci-real", "--dataset", cfg];

  const first = await runCli(args, art);
  assert(first.code === 0, `reproduce failed:\n${first.stdout}\n${first.stderr}`);
  assert(/\d+ ran, 0 cached/.test(first.stdout), first.stdout);
  assertIncludes(
    first.stderr,
    "6618 lines, 87 repeated lines (84 duplicated pairs) dropped, 6531 training pairs",
  );
  const results = join(art, "results", "pinterest-test", "ci-real", "tables");
  const t1 = JSON.parse(await Deno.readTextFile(join(results, "..", "provenance.json")));
  assert(t1.dataset === "pinterest-test");
  const table1 = await Deno.readTextFile(join(results, "table1.md"));
  assertIncludes(
    table1,
    "| Users | 3,226 |",
    "| Items | 4,998 |",
    "| Training interactions (incl. validation) | 6,531 |",
  );
  const table2 = await Deno.readTextFile(join(results, "table2.md"));
  for (const m of ["POP", "VBPR", "AMR"]) assertIncludes(table2, m);

  const second = await runCli(args, art);
  assert(second.code === 0, second.stderr);
  assert(/^0 ran, \d+ cached/m.test(second.stdout), second.stdout);

  // Change one negative of user 0 to another item it never saw: the import must rerun.
  const negPath = join(dir, "neg.txt");
  const lines = (await Deno.readTextFile(negPath)).split("\n");
  const row = lines[0].split(" ").map(Number);
  const taken = new Set(row);
  let fresh = 0;
  while (taken.has(fresh)) fresh++;
  row[row.length - 1] = fresh;
  lines[0] = row.join(" ");
  await Deno.writeTextFile(negPath, lines.join("\n"));
  const third = await runCli(["data", "generate", "--profile", "ci-real", "--dataset", cfg], art);
  assert(third.code === 0, third.stderr);
  assert(/dataset\s+ran/.test(third.stdout), `the import did not rerun:\n${third.stdout}`);
  assert(/negatives\s+ran/.test(third.stdout), `negatives did not rerun:\n${third.stdout}`);
  // Early cut-off: the training pairs, test items and features are byte-identical.
  assert(
    /split\s+cached/.test(third.stdout) && /features\s+cached/.test(third.stdout),
    third.stdout,
  );
  await Deno.remove(tmp, { recursive: true });
});
