/**
 * Fused groups (pipeline/run/fused.ts, `NodeSpec.fuse`): the members of a group that must run
 * go to the executor as one job (or as many as it asks for, at most `--fuse-max` each); each
 * still commits its own entry under its own key, byte-identical to a run with fusion off;
 * cached members are not rerun; a failed group commits nothing; and a group must be of one
 * stage that can run groups.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildGraph, run, statuses, tempStore } from "../engine_helpers.ts";
import { fusedGroups, fusedScale, scale, source } from "../toy_stages.ts";
import type { NodeSpec } from "../../../pipeline/stage/node.ts";
import { fuseChunks } from "../../../pipeline/run/fused.ts";
import type { Store } from "../../../pipeline/store/store.ts";
import type { RunReport } from "../../../pipeline/run/runner.ts";

/** A source and `n` scalers of it in one fused group (and one scaler outside the group). */
function level(n: number, fail = -1): NodeSpec[] {
  return [
    { id: "src", stage: source, params: { n: 6 }, inputs: {}, seed: 1 },
    ...Array.from({ length: n }, (_, i): NodeSpec => ({
      id: `point@${i}`,
      stage: fusedScale,
      params: { factor: i + 2, fail: i === fail },
      inputs: { numbers: { node: "src", output: "numbers.txt" } },
      seed: 7,
      fuse: "level",
    })),
    {
      id: "alone",
      stage: fusedScale,
      params: { factor: 100 },
      inputs: { numbers: { node: "src", output: "numbers.txt" } },
      seed: 7,
    },
  ];
}

/** Key and output bytes of every node a run produced. */
async function produced(store: Store, report: RunReport): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const o of report.outcomes) {
    const m = o.manifest!;
    const files = await Promise.all(
      Object.keys(m.outputs).map((f) => Deno.readTextFile(store.outputPath(o.key!, f))),
    );
    out.set(o.id, `${o.key} ${files.join("|")}`);
  }
  return out;
}

Deno.test("fuseChunks: as few even jobs as asked for, none over max", () => {
  const xs = [1, 2, 3, 4, 5, 6, 7];
  assert.deepEqual(fuseChunks(xs, 1), [xs]);
  assert.deepEqual(fuseChunks(xs, 2), [[1, 2, 3, 4], [5, 6, 7]]);
  assert.deepEqual(fuseChunks(xs, 1, 3), [[1, 2, 3], [4, 5], [6, 7]]);
  assert.deepEqual(fuseChunks(xs, 10), xs.map((x) => [x]));
  assert.deepEqual(fuseChunks([], 3), []);
});

Deno.test("a fused group runs as one job and commits each member's own entry, as unfused", async () => {
  const graph = buildGraph(level(5));
  const fused = await tempStore();
  const apart = await tempStore();
  try {
    fusedGroups.length = 0;
    const a = await run(graph, fused);
    assert.deepEqual(fusedGroups, [5], "the five members ran in one job");
    fusedGroups.length = 0;
    const b = await run(graph, apart, { fuse: { enabled: false } });
    assert.deepEqual(fusedGroups, [], "--no-fuse runs no group");
    assert.deepEqual(await produced(fused, a), await produced(apart, b));
    assert.ok(Object.values(statuses(a)).every((s) => s === "ran"));
    // A second run finds every member cached.
    fusedGroups.length = 0;
    const again = await run(graph, fused);
    assert.ok(Object.values(statuses(again)).every((s) => s === "cached"));
    assert.deepEqual(fusedGroups, []);
  } finally {
    await Deno.remove(fused.root, { recursive: true });
    await Deno.remove(apart.root, { recursive: true });
  }
});

Deno.test("only the members without an entry run; --fuse-max splits the group", async () => {
  const graph = buildGraph(level(7));
  const store = await tempStore();
  try {
    fusedGroups.length = 0;
    await run(graph, store, { fuse: { enabled: true, max: 3 } });
    assert.deepEqual(fusedGroups, [3, 2, 2]);
    const first = await run(graph, store);
    for (const id of ["point@1", "point@4", "point@6"]) {
      await store.remove(first.outcomes.find((o) => o.id === id)!.key!);
    }
    fusedGroups.length = 0;
    const second = await run(graph, store);
    assert.deepEqual(fusedGroups, [3]);
    const s = statuses(second);
    assert.deepEqual(
      Object.keys(s).filter((id) => s[id] === "ran").sort(),
      ["point@1", "point@4", "point@6"],
    );
  } finally {
    await Deno.remove(store.root, { recursive: true });
  }
});

Deno.test("a failing fused group commits none of its members and leaves no temporary folder", async () => {
  const store = await tempStore();
  try {
    await assert.rejects(run(buildGraph(level(4, 2)), store), /simulated failure/);
    assert.deepEqual([...Deno.readDirSync(store.tmpDir)], []);
    // Only the source (and possibly the node outside the group) committed.
    const committed = [];
    for (const e of Deno.readDirSync(store.dir)) {
      if (!/^[0-9a-f]{64}$/.test(e.name)) continue;
      const m = JSON.parse(await Deno.readTextFile(join(store.dir, e.name, "manifest.json")));
      committed.push(m.node as string);
    }
    assert.ok(committed.includes("src"), committed.join(", "));
    assert.ok(committed.every((n) => !n.startsWith("point@")), committed.join(", "));
  } finally {
    await Deno.remove(store.root, { recursive: true });
  }
});

Deno.test("members of a fused group run in one Worker with --jobs 2, same bytes", async () => {
  const graph = buildGraph(level(4));
  const fused = await tempStore();
  const apart = await tempStore();
  try {
    const lines: string[] = [];
    const a = await run(graph, fused, { jobs: 2, log: (l) => lines.push(l) });
    // Two slots: the group is split in two jobs of two.
    assert.equal(lines.filter((l) => l.includes("[fused: 2 nodes in one job]")).length, 4);
    const b = await run(graph, apart, { jobs: 2, fuse: { enabled: false } });
    assert.deepEqual(await produced(fused, a), await produced(apart, b));
  } finally {
    await Deno.remove(fused.root, { recursive: true });
    await Deno.remove(apart.root, { recursive: true });
  }
});

Deno.test("a fused group of mixed stages, or of a stage that cannot run groups, is refused", () => {
  const nodes = level(2);
  assert.throws(
    () => buildGraph([...nodes, { ...nodes[1], id: "odd", stage: scale, params: { factor: 1 } }]),
    /fuse group "level", but stage toy-scale has no runGroup/,
  );
});

Deno.test("a corrupt input shared by a fused group is rebuilt before the group runs, once", async () => {
  const graph = buildGraph(level(3));
  const store = await tempStore();
  try {
    const first = await run(graph, store);
    const key = (id: string) => first.outcomes.find((o) => o.id === id)!.key!;
    for (const id of ["point@0", "point@1", "point@2"]) await store.remove(key(id));
    // The source's file changes under its manifest: its check heals it before the group runs.
    await Deno.writeTextFile(store.outputPath(key("src"), "numbers.txt"), "1\n2\n");
    const lines: string[] = [];
    fusedGroups.length = 0;
    const second = await run(graph, store, { log: (l) => lines.push(l) });
    assert.ok(
      lines.some((l) => /^\[src\] cached entry failed verification: .*rerunning$/.test(l)),
      lines.join("\n"),
    );
    assert.deepEqual(fusedGroups, [3], "the group ran once, after the rebuild");
    assert.deepEqual(await produced(store, second), await produced(store, first));
  } finally {
    await Deno.remove(store.root, { recursive: true });
  }
});
