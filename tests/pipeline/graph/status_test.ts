/**
 * `targetFreshKeys`: the store keys of the nodes whose entry for the graph as it is now exists
 * (what `config show` reads a selection's choice from), on the word-counter project: none
 * before a run, the run's own keys after it, and none for a node whose entry (or an
 * ancestor's) is gone or whose params changed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { reproduceTarget } from "../../../pipeline/run/reproduce.ts";
import { readFreshOutputs, targetFreshKeys } from "../../../pipeline/graph/status.ts";
import { CorruptEntry } from "../../../pipeline/store/entry.ts";
import { sha256 } from "../../../pipeline/stage/hash.ts";
import { wordCountProject } from "../second_project/project.ts";

Deno.test("fresh keys: none before a run, the run's keys after, none once stale", async () => {
  const root = await Deno.makeTempDir({ prefix: "fresh-keys-" });
  try {
    const p = wordCountProject(join(root, "artifacts"));
    const target = await p.resolveTarget({ text: "b a b", case: "fold" });
    const ids = ["words", "count", "not-a-node"];
    assert.deepEqual([...await targetFreshKeys(p, target, ids)], []);
    const report = await reproduceTarget(p, target, {});
    const ran = new Map(report.outcomes.map((o) => [o.id, o.key!]));
    assert.deepEqual(
      [...await targetFreshKeys(p, target, ids)].sort(),
      [["count", ran.get("count")], ["words", ran.get("words")]],
    );
    assert.deepEqual([...await targetFreshKeys(p, target, ["count"])], [[
      "count",
      ran.get("count"),
    ]]);
    // Other params: the same node ids, no entry for them yet.
    const keep = await p.resolveTarget({ text: "b a b", case: "keep" });
    assert.deepEqual([...await targetFreshKeys(p, keep, ids)], []);
    // An ancestor's entry gone: its descendants have no known key either.
    await Deno.remove(join(root, "artifacts", "store", ran.get("words")!), { recursive: true });
    assert.deepEqual([...await targetFreshKeys(p, target, ids)], []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("readFreshOutputs: a fresh entry's output, hashed as read; an edited one is an error", async () => {
  const root = await Deno.makeTempDir({ prefix: "fresh-outputs-" });
  try {
    const p = wordCountProject(join(root, "artifacts"));
    const target = await p.resolveTarget({ text: "b a b", case: "fold" });
    assert.equal((await readFreshOutputs(p, target, ["count"], "counts.json")).size, 0);
    const report = await reproduceTarget(p, target, {});
    const key = report.outcomes.find((o) => o.id === "count")!.key!;
    const read = await readFreshOutputs(p, target, ["count", "words"], "counts.json");
    // `words` has no output of that name: left out.
    assert.deepEqual([...read.keys()], ["count"]);
    const got = read.get("count")!;
    assert.equal(got.key, key);
    const text = new TextDecoder().decode(got.bytes);
    assert.deepEqual(JSON.parse(text), { a: 1, b: 2 });
    assert.equal(got.sha256, sha256(got.bytes));
    // Same size, other bytes: refused, naming the file.
    const path = join(root, "artifacts", "store", key, "counts.json");
    await Deno.writeTextFile(path, text.replace("2", "3"));
    await assert.rejects(
      () => readFreshOutputs(p, target, ["count"], "counts.json"),
      (e: unknown) => e instanceof CorruptEntry && e.message.includes(path),
    );
    // Recorded by the manifest but gone: corrupt as well, never a raw "not found".
    await Deno.remove(path);
    await assert.rejects(
      () => readFreshOutputs(p, target, ["count"], "counts.json"),
      (e: unknown) => e instanceof CorruptEntry && /counts\.json: missing/.test(e.reason),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
