/**
 * Running part of the graph (`reproduce NODE...`, pipeline/run/reproduce.ts): a selection runs
 * exactly its nodes and their upstream, a stage name selects all its nodes, `--dry-run
 * --estimate` prices only the selection, `status` and `dag` take the same selection, an unknown
 * name gets one sentence with close matches, and a partial run publishes nothing while keeping
 * the recorded state of the nodes it did not run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Project, Target } from "../../../pipeline/graph/project.ts";
import type { NodeSpec } from "../../../pipeline/stage/node.ts";
import { readState } from "../../../pipeline/store/state.ts";
import { reproduceTarget } from "../../../pipeline/run/reproduce.ts";
import { cli, ROOT, RUNTIME } from "../engine_helpers.ts";
import { scale, source, sum } from "../toy_stages.ts";

/** src -> a -> sum-a and src -> b -> sum-b; a, b and sum-b publish. */
function forkNodes(): NodeSpec[] {
  const numbers = { node: "src", output: "numbers.txt" };
  return [
    { id: "src", stage: source, params: { n: 4, delayMs: 0 }, inputs: {}, seed: 1 },
    {
      id: "a",
      stage: scale,
      params: { factor: 2, crash: false },
      inputs: { numbers },
      seed: 2,
      publish: { "scaled.txt": "a.txt" },
    },
    {
      id: "b",
      stage: scale,
      params: { factor: 3, crash: false },
      inputs: { numbers },
      seed: 3,
      publish: { "scaled.txt": "b.txt" },
    },
    {
      id: "sum-a",
      stage: sum,
      params: {},
      inputs: { scaled: { node: "a", output: "scaled.txt" } },
      seed: 4,
    },
    {
      id: "sum-b",
      stage: sum,
      params: {},
      inputs: { scaled: { node: "b", output: "scaled.txt" } },
      seed: 5,
      publish: { "sum.json": "sum-b.json" },
    },
  ];
}

/** A toy project over the fork; every node costs its position in the list + 1 seconds. */
function forkProject(artifactsRoot: string): Project {
  const nodes = forkNodes();
  const target: Target = {
    name: "fork",
    nodes,
    resultsDir: join(artifactsRoot, "results", "fork"),
    meta: {},
  };
  return {
    name: "fork",
    description: "a forked toy graph",
    root: ROOT,
    artifactsRoot,
    entry: new URL("../toy_stages.ts", import.meta.url).href,
    targetOptions: [],
    runtime: () => Promise.resolve(RUNTIME),
    resolveTarget: () => Promise.resolve(target),
    costModel: () =>
      Promise.resolve((n) => ({
        seconds: nodes.findIndex((x) => x.id === n.id) + 1,
        source: "position",
      })),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

Deno.test("a selected node runs with its upstream only; a partial run publishes nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "subset-" });
  const p = forkProject(root);
  const target = await p.resolveTarget({});
  const partial = await reproduceTarget(p, target, { targets: ["sum-a"] });
  assert.deepEqual(partial.outcomes.map((o) => [o.id, o.status]), [
    ["src", "ran"],
    ["a", "ran"],
    ["sum-a", "ran"],
  ]);
  assert.deepEqual(partial.selected, ["sum-a"]);
  assert.equal(partial.published, false);
  assert.deepEqual(partial.unpublished, ["b", "sum-b"]);
  assert.equal(await exists(target.resultsDir), false, "no results folder from a partial run");
  assert.deepEqual(Object.keys((await readState(root, "fork")).nodes).sort(), [
    "a",
    "src",
    "sum-a",
  ]);

  // The whole graph: the selection's entries are reused, the rest runs, results are published.
  const whole = await reproduceTarget(p, target);
  assert.deepEqual(whole.outcomes.map((o) => o.status), [
    "cached",
    "cached",
    "ran",
    "cached",
    "ran",
  ]);
  assert.equal(whole.published, true);
  const provenance = await Deno.readTextFile(join(target.resultsDir, "provenance.json"));
  const stateAfterWhole = await readState(root, "fork");

  // A later partial run after a changed entry: results and the other nodes' state are kept.
  await Deno.remove(join(target.resultsDir, "a.txt"));
  const again = await reproduceTarget(p, target, { targets: ["a"], force: ["a"] });
  assert.deepEqual(again.outcomes.map((o) => [o.id, o.status]), [["src", "cached"], ["a", "ran"]]);
  assert.equal(await exists(join(target.resultsDir, "a.txt")), false, "not republished");
  assert.equal(
    await Deno.readTextFile(join(target.resultsDir, "provenance.json")),
    provenance,
    "provenance.json untouched",
  );
  assert.deepEqual((await readState(root, "fork")).nodes, stateAfterWhole.nodes);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a stage name selects all its nodes; a selection that covers every result publishes", async () => {
  const root = await Deno.makeTempDir({ prefix: "subset-" });
  const p = forkProject(root);
  const target = await p.resolveTarget({});
  const stage = await reproduceTarget(p, target, { targets: ["toy-scale"] });
  assert.deepEqual(stage.selected, ["a", "b"]);
  assert.deepEqual(stage.outcomes.map((o) => o.id), ["src", "a", "b"]);
  assert.equal(stage.published, false, "sum-b publishes and was not selected");
  // `sum-*` covers every publishing node (a and b through their sums): a complete run.
  const pattern = await reproduceTarget(p, target, { targets: ["sum-*"] });
  assert.deepEqual(pattern.selected, ["sum-a", "sum-b"]);
  assert.equal(pattern.published, true);
  assert.ok(await exists(join(target.resultsDir, "sum-b.json")));
  await Deno.remove(root, { recursive: true });
});

Deno.test("reproduce NODE through the CLI: estimate, status, dag and unknown names", async () => {
  const root = await Deno.makeTempDir({ prefix: "subset-" });
  const p = forkProject(root);
  // The estimate prices the selection only: src (1 s) + b (3 s) + sum-b (5 s).
  const dry = await cli(p, ["reproduce", "sum-b", "--dry-run", "--estimate", "--slots", "1"]);
  assert.match(dry.out, /selection: sum-b, with everything upstream \(3 of 5 nodes\)/);
  assert.match(dry.out, /estimate for fork, selection sum-b with its upstream \(3 stages to run\)/);
  assert.match(dry.out, /\| \*\*total\*\* \| 3 \| \*\*9\.0 s\*\*/);
  assert.doesNotMatch(dry.out, /sum-a/);

  const ran = await cli(p, ["reproduce", "sum-b"]);
  assert.match(ran.out, /3 ran, 0 cached/);
  assert.match(ran.out, /partial run: results not published \(1 publishing node\(s\) outside/);
  assert.match(ran.out, new RegExp(`sum-b: ${join(root, "store")}/[0-9a-f]{64}`));

  const status = await cli(p, ["status", "sum-b", "--json"]);
  const st = JSON.parse(status.out) as { nodes: { id: string; state: string }[] };
  assert.deepEqual(st.nodes.map((n) => [n.id, n.state]), [
    ["src", "fresh"],
    ["b", "fresh"],
    ["sum-b", "fresh"],
  ]);
  const whole = await cli(p, ["status"]);
  assert.match(whole.out, /2 of 5 stages stale/);
  const dag = await cli(p, ["dag", "a"]);
  assert.deepEqual(dag.out.split("\n").filter((l) => l.includes("[")).length, 2);

  await assert.rejects(
    () => cli(p, ["reproduce", "sum-c"]),
    /: no node or stage is named "sum-c"; close matches: sum-a, sum-b$/,
  );
  await assert.rejects(
    () => cli(p, ["status", "toy-scal"]),
    /no node or stage is named "toy-scal"; close matches: toy-scale/,
  );
  await assert.rejects(
    () => cli(p, ["dag", "zzzzzzzz"]),
    /no node or stage is named "zzzzzzzz", nor close to it; "dag" lists every node and stage/,
  );
  await Deno.remove(root, { recursive: true });
});
