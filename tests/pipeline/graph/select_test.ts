/**
 * Selecting part of a graph by name (pipeline/graph/select.ts): node ids, stage names,
 * patterns, the upstream closure and the sentence for an unknown name.
 */
import assert from "node:assert/strict";
import { buildGraph } from "../../../pipeline/graph/graph.ts";
import { editDistance, selectGraph, selectNodes } from "../../../pipeline/graph/select.ts";
import { scale, source } from "../toy_stages.ts";
import type { NodeSpec } from "../../../pipeline/stage/node.ts";
import { toyNodes } from "../engine_helpers.ts";

/** The toy chain plus a node whose id is also a stage name ("toy-scale"). */
function nodes(): NodeSpec[] {
  const numbers = { node: "source", output: "numbers.txt" };
  return [
    ...toyNodes(),
    { id: "toy-scale", stage: scale, params: { factor: 5 }, inputs: { numbers }, seed: 9 },
    { id: "lone@x=1", stage: source, params: {}, inputs: {}, seed: 4 },
    { id: "lone@x=2", stage: source, params: {}, inputs: {}, seed: 5 },
  ];
}

Deno.test("a node id wins over a stage of the same name; a stage name selects all its nodes", () => {
  const graph = buildGraph(nodes());
  assert.deepEqual(selectNodes(graph, ["toy-scale"]), ["toy-scale"]);
  assert.deepEqual(selectNodes(graph, ["toy-sum"]), ["sum"]);
  assert.deepEqual(selectNodes(graph, ["toy-source"]), ["source", "lone@x=1", "lone@x=2"]);
  assert.deepEqual(selectNodes(graph, ["lone@*", "sum", "sum"]), ["sum", "lone@x=1", "lone@x=2"]);
  assert.deepEqual(selectGraph(graph, ["sum"]).order.map((n) => n.id), ["source", "scale", "sum"]);
  assert.deepEqual([...selectGraph(graph, ["lone@x=2"]).byId.keys()], ["lone@x=2"]);
});

Deno.test("an unknown name is one sentence with the closest ids and stage names", () => {
  const graph = buildGraph(nodes());
  assert.throws(
    () => selectNodes(graph, ["sum", "scael"]),
    /^GraphError: no node or stage is named "scael"; close matches: scale$/,
  );
  assert.throws(() => selectNodes(graph, ["lone"]), /close matches: lone@x=1, lone@x=2$/);
  assert.throws(() => selectNodes(graph, ["nothing@*"]), /nor close to it; "dag" lists/);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
});
