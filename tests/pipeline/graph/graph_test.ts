import assert from "node:assert/strict";
import { buildGraph, closure, descendants, GraphError } from "../../../pipeline/graph/graph.ts";
import { formatDag } from "../../../pipeline/graph/format.ts";
import { toyNodes } from "../engine_helpers.ts";

Deno.test("invalid params give an error naming the node and field", () => {
  const nodes = toyNodes();
  (nodes[1].params as Record<string, unknown>).factor = "two";
  assert.throws(() => buildGraph(nodes), (e: Error) => {
    assert.ok(e instanceof GraphError);
    assert.match(e.message, /node "scale" \(stage toy-scale\): params\.factor: .*number/);
    return true;
  });
});

Deno.test("wiring errors name the node and input", () => {
  const missing = toyNodes();
  missing[2].inputs = {};
  assert.throws(() => buildGraph(missing), /node "sum": input "scaled" is not wired/);
  const wrongOutput = toyNodes();
  wrongOutput[2].inputs = { scaled: { node: "scale", output: "nope.txt" } };
  assert.throws(
    () => buildGraph(wrongOutput),
    /wants "nope.txt" but node "scale" declares outputs scaled.txt/,
  );
  const dup = [...toyNodes(), toyNodes()[0]];
  assert.throws(() => buildGraph(dup), /duplicate node id "source"/);
});

Deno.test("cycles are reported with their path", () => {
  const nodes = toyNodes();
  nodes[0] = { ...nodes[2], id: "source", inputs: { scaled: { node: "sum", output: "sum.json" } } };
  assert.throws(() => buildGraph(nodes), /cycle|wants/);
});

Deno.test("order, closure, descendants and formats", () => {
  const g = buildGraph(toyNodes().reverse());
  assert.deepEqual(g.order.map((n) => n.id), ["source", "scale", "sum"]);
  assert.deepEqual(closure(g, ["scale"]).map((n) => n.id), ["source", "scale"]);
  assert.deepEqual([...descendants(g, "source")].sort(), ["scale", "sum"]);
  assert.match(formatDag(g, "mermaid"), /source -->\|numbers\| scale/);
  assert.match(formatDag(g, "dot"), /"scale" -> "sum" \[label="scaled"\]/);
});
