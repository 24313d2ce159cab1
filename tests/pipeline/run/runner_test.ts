import assert from "node:assert/strict";
import { join } from "node:path";
import { buildGraph, run, statuses, tempStore, toyNodes } from "../engine_helpers.ts";
import { rendezvous, runs } from "../toy_stages.ts";
import type { NodeSpec } from "../../../pipeline/stage/node.ts";
import { verifyStore } from "../../../pipeline/store/verify.ts";

Deno.test("first run misses, second run hits every stage", async () => {
  const store = await tempStore();
  const graph = buildGraph(toyNodes());
  const first = await run(graph, store);
  assert.deepEqual(statuses(first), { source: "ran", scale: "ran", sum: "ran" });
  const second = await run(graph, store);
  assert.deepEqual(statuses(second), { source: "cached", scale: "cached", sum: "cached" });
  assert.equal((await store.keys()).length, 3);
  const m = first.outcomes[1].manifest!;
  assert.equal(m.stage, "toy-scale");
  assert.deepEqual(Object.keys(m.outputs).sort(), ["scaled.txt", "sub/info.json"]);
  assert.equal(m.inputs.numbers.node, "source");
  assert.equal(m.summary?.count, 5);
  assert.ok(m.code.modules["tests/pipeline/toy_stages.ts"], "fingerprint lists the stage module");
});

Deno.test("changing one parameter reruns that stage and its dependants only", async () => {
  const store = await tempStore();
  await run(buildGraph(toyNodes({ factor: 2 })), store);
  const before = { ...runs };
  const report = await run(buildGraph(toyNodes({ factor: 3 })), store);
  assert.deepEqual(statuses(report), { source: "cached", scale: "ran", sum: "ran" });
  assert.equal(runs["toy-source"], before["toy-source"]);
});

Deno.test("an unchanged output stops invalidation downstream (early cut-off)", async () => {
  const store = await tempStore();
  await run(buildGraph(toyNodes({ factor: 0 })), store);
  // A different seed changes the numbers, but scaled-by-zero output is identical.
  const nodes = toyNodes({ factor: 0 });
  nodes[0].seed = 99;
  const report = await run(buildGraph(nodes), store);
  assert.deepEqual(statuses(report), { source: "ran", scale: "ran", sum: "cached" });
});

Deno.test("a crash mid-write leaves no entry and no temporary folder", async () => {
  const store = await tempStore();
  await assert.rejects(
    run(buildGraph(toyNodes({ crash: true })), store),
    /stage "scale" failed: simulated crash/,
  );
  const keys = await store.keys();
  assert.equal(keys.length, 1, "only the source entry exists");
  const tmp = [...Deno.readDirSync(store.tmpDir)];
  assert.equal(tmp.length, 0);
  // The next run resumes: the source is reused.
  const report = await run(buildGraph(toyNodes()), store);
  assert.deepEqual(statuses(report), { source: "cached", scale: "ran", sum: "ran" });
});

Deno.test("forced stages rerun; dry runs run nothing", async () => {
  const store = await tempStore();
  const graph = buildGraph(toyNodes());
  const dry = await run(graph, store, { dryRun: true });
  assert.deepEqual(statuses(dry), { source: "would-run", scale: "would-run", sum: "would-run" });
  assert.equal((await store.keys()).length, 0);
  await run(graph, store);
  const forced = await run(graph, store, { force: ["toy-scale"] });
  assert.deepEqual(statuses(forced), { source: "cached", scale: "ran", sum: "cached" });
  const all = await run(graph, store, { force: true });
  assert.deepEqual(statuses(all), { source: "ran", scale: "ran", sum: "ran" });
  assert.equal((await verifyStore(store)).problems.length, 0);
});

Deno.test("verify names a file with one flipped byte", async () => {
  const store = await tempStore();
  const report = await run(buildGraph(toyNodes()), store);
  const key = report.outcomes[1].key!;
  const file = store.outputPath(key, "scaled.txt");
  const bytes = await Deno.readFile(file);
  bytes[0] ^= 0x01;
  await Deno.writeFile(file, bytes);
  const v = await verifyStore(store);
  assert.equal(v.problems.length, 1);
  assert.equal(v.problems[0].file, file);
  assert.equal(v.problems[0].problem, "hash mismatch");
});

Deno.test("--jobs gives the same keys and outputs as a sequential run", async () => {
  const storeA = await tempStore();
  const storeB = await tempStore();
  const nodes = [...toyNodes()];
  // A second independent branch.
  nodes.push({ ...nodes[0], id: "source2", seed: 7 });
  const a = await run(buildGraph(nodes), storeA);
  const b = await run(buildGraph(nodes), storeB, { jobs: 2 });
  assert.deepEqual(a.outcomes.map((o) => o.key), b.outcomes.map((o) => o.key));
  const text = await Deno.readTextFile(join(storeB.entryDir(b.outcomes[1].key!), "scaled.txt"));
  assert.ok(text.length > 0);
});

/** Two independent rendezvous nodes that meet in `dir`. */
function meetingNodes(dir: string, timeoutMs: number): NodeSpec[] {
  const node = (name: string, peer: string, seed: number): NodeSpec => ({
    id: name,
    stage: rendezvous,
    params: { dir, name, peer, timeoutMs },
    inputs: {},
    seed,
  });
  return [node("left", "right", 1), node("right", "left", 2)];
}

Deno.test("--jobs 2 runs independent nodes at the same time (a barrier, no timing)", async () => {
  // Each node waits for a file the other writes: only concurrent Workers both finish. The long
  // timeout only bounds a broken run; a loaded machine merely makes the meeting later.
  const dir = await Deno.makeTempDir({ prefix: "amr-barrier-" });
  const report = await run(buildGraph(meetingNodes(dir, 120_000)), await tempStore(), {
    jobs: 2,
  });
  assert.deepEqual(statuses(report), { left: "ran", right: "ran" });

  // The same barrier, run one node at a time, cannot be met: the check detects sequential runs.
  const alone = await Deno.makeTempDir({ prefix: "amr-barrier-" });
  await assert.rejects(
    run(buildGraph(meetingNodes(alone, 200)), await tempStore(), { jobs: 1 }),
    /never arrived within 200 ms/,
  );
});
