/**
 * `targetFreshKeys`: the store keys of the nodes whose entry for the graph as it is now exists
 * (what `config show` reads a selection's choice from), on the word-counter project: none
 * before a run, the run's own keys after it, and none for a node whose entry (or an
 * ancestor's) is gone or whose params changed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { reproduceTarget } from "../../../pipeline/run/reproduce.ts";
import { targetFreshKeys } from "../../../pipeline/graph/status.ts";
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
