/**
 * `config/paper.ts` is the one reader of `configs/paper/*.json`: the shipped files validate,
 * a broken file names the file and the field, and no other module reads the folder.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import {
  PAPER_FILE_SCHEMAS,
  paperTables,
  paperValues,
  parsePaperFile,
} from "../../config/paper.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

// deno-lint-ignore no-explicit-any
type Json = any;

async function raw(file: string): Promise<Json> {
  return JSON.parse(await Deno.readTextFile(join(ROOT, "configs", "paper", file)));
}

Deno.test("the shipped paper files validate, and each dataset's values come out whole", async () => {
  const t = paperTables();
  for (const ds of ["pinterest", "amazon"]) {
    const v = paperValues(ds);
    assert.deepEqual(v.table1, (await raw("table1.json")).datasets[ds]);
    assert.deepEqual(v.table2?.methods, (await raw("table2.json")).datasets[ds]);
    assert.deepEqual(v.table2?.metrics, t.table2.metrics);
    assert.deepEqual(v.table3?.eps, t.table3.eps);
    assert.deepEqual(v.table3?.amr, (await raw("table3.json")).datasets[ds].amr);
  }
  assert.ok(paperValues("pinterest").coldWarm, "sec. 4.2's cold/warm gains exist for Pinterest");
  assert.equal(paperValues("amazon").coldWarm, undefined);
  assert.deepEqual(paperValues("note"), { dataset: "note" }, "the note is no dataset");
  assert.deepEqual(paperValues("smoke"), { dataset: "smoke" });
});

Deno.test("a broken paper file: the error names the file and the field", async () => {
  const t3 = await raw("table3.json");
  const short = structuredClone(t3);
  short.datasets.amazon.amr = [-0.014, -0.053];
  assert.throws(
    () => parsePaperFile(PAPER_FILE_SCHEMAS["table3.json"], short, "configs/paper/table3.json"),
    /configs\/paper\/table3\.json: field "datasets\.amazon\.amr": expected 3 values \(one per eps\), got 2/,
  );
  const t2 = structuredClone(await raw("table2.json"));
  t2.datasets.pinterest.vbpr.ri = "7.7%";
  assert.throws(
    () => parsePaperFile(PAPER_FILE_SCHEMAS["table2.json"], t2, "table2.json"),
    /table2\.json: field "datasets\.pinterest\.vbpr\.ri": .*expected number, received string/,
  );
  const t1 = structuredClone(await raw("table1.json"));
  delete t1.datasets.amazon.users;
  assert.throws(
    () => parsePaperFile(PAPER_FILE_SCHEMAS["table1.json"], t1, "table1.json"),
    /table1\.json: field "datasets\.amazon\.users": .*expected number, received undefined/,
  );
});

Deno.test("only config/paper.ts refers to a file of configs/paper/ by a relative path", async () => {
  const readers: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) {
        if (![".git", "artifacts", "node_modules", ".deno", ".tools"].includes(e.name)) {
          await walk(path);
        }
      } else if (e.name.endsWith(".ts") && !path.includes("/tests/")) {
        if (/["'`](\.\.?\/)+configs\/paper\//.test(await Deno.readTextFile(path))) {
          readers.push(relative(ROOT, path));
        }
      }
    }
  };
  await walk(ROOT);
  assert.deepEqual(readers, ["config/paper.ts"]);
});
