/**
 * Builds and checks the stage graph: unique ids, complete input wiring, valid params, no cycles,
 * and a deterministic topological order.
 */
import type { InputRef, NodeSpec } from "../stage/node.ts";

/** A node whose params have been validated. */
export interface GraphNode extends NodeSpec {
  /** Params after validation (defaults filled in). */
  params: unknown;
  /** Ids of the nodes this one reads from. */
  upstream: string[];
}

/** A validated graph in topological order. */
export interface Graph {
  /** Nodes in a deterministic topological order. */
  order: GraphNode[];
  /** Lookup by id. */
  byId: Map<string, GraphNode>;
}

/** An error in the graph's declaration (wiring or params). */
export class GraphError extends Error {
  override name = "GraphError";
}

/** Validates the nodes and orders them; throws a `GraphError` naming the node and field. */
export function buildGraph(nodes: NodeSpec[]): Graph {
  const byId = new Map<string, GraphNode>();
  for (const spec of nodes) {
    if (byId.has(spec.id)) throw new GraphError(`duplicate node id "${spec.id}"`);
    byId.set(spec.id, { ...spec, params: validateParams(spec), upstream: [] });
  }
  for (const node of byId.values()) {
    node.upstream = [...new Set(checkInputs(node, byId).map((r) => r.node))];
  }
  checkFuseGroups(byId);
  return { order: topoSort(byId), byId };
}

/** A fused group's nodes must share one stage, and that stage must run groups. */
function checkFuseGroups(byId: Map<string, GraphNode>): void {
  const stageOf = new Map<string, GraphNode>();
  for (const node of byId.values()) {
    if (node.fuse === undefined) continue;
    if (!node.stage.runGroup) {
      throw new GraphError(
        `node "${node.id}": fuse group "${node.fuse}", but stage ${node.stage.name} has no runGroup`,
      );
    }
    const first = stageOf.get(node.fuse);
    if (!first) stageOf.set(node.fuse, node);
    else if (first.stage !== node.stage) {
      throw new GraphError(
        `node "${node.id}": fuse group "${node.fuse}" mixes stage ${node.stage.name} with ` +
          `${first.stage.name} (node "${first.id}")`,
      );
    }
  }
}

function validateParams(spec: NodeSpec): unknown {
  const parsed = spec.stage.params.safeParse(spec.params ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => {
    const field = i.path.length > 0 ? i.path.join(".") : "(root)";
    return `params.${field}: ${i.message}`;
  });
  throw new GraphError(`node "${spec.id}" (stage ${spec.stage.name}): ${issues.join("; ")}`);
}

function checkInputs(node: GraphNode, byId: Map<string, GraphNode>): InputRef[] {
  const declared = new Set(node.stage.inputs);
  for (const name of Object.keys(node.inputs)) {
    if (!declared.has(name)) {
      throw new GraphError(
        `node "${node.id}": input "${name}" is not declared by stage ${node.stage.name}`,
      );
    }
  }
  const refs: InputRef[] = [];
  for (const name of node.stage.inputs) {
    const ref = node.inputs[name];
    if (!ref) throw new GraphError(`node "${node.id}": input "${name}" is not wired`);
    const up = byId.get(ref.node);
    if (!up) {
      throw new GraphError(`node "${node.id}": input "${name}" names unknown node "${ref.node}"`);
    }
    if (!up.stage.outputs.includes(ref.output)) {
      throw new GraphError(
        `node "${node.id}": input "${name}" wants "${ref.output}" but node "${ref.node}" declares ` +
          `outputs ${up.stage.outputs.join(", ")}`,
      );
    }
    refs.push(ref);
  }
  return refs;
}

function topoSort(byId: Map<string, GraphNode>): GraphNode[] {
  const order: GraphNode[] = [];
  const state = new Map<string, "visiting" | "done">();
  function visit(node: GraphNode, trail: string[]): void {
    const s = state.get(node.id);
    if (s === "done") return;
    if (s === "visiting") throw new GraphError(`cycle: ${[...trail, node.id].join(" -> ")}`);
    state.set(node.id, "visiting");
    for (const up of node.upstream) visit(byId.get(up)!, [...trail, node.id]);
    state.set(node.id, "done");
    order.push(node);
  }
  for (const node of byId.values()) visit(node, []);
  return order;
}

/** The nodes needed for `targets` (the targets and all their ancestors), in graph order. */
export function closure(graph: Graph, targets: string[]): GraphNode[] {
  const need = new Set<string>();
  const stack = [...targets];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (need.has(id)) continue;
    const node = graph.byId.get(id);
    if (!node) throw new GraphError(`unknown node "${id}"`);
    need.add(id);
    stack.push(...node.upstream);
  }
  return graph.order.filter((n) => need.has(n.id));
}

/** The nodes downstream of `id` (not including it). */
export function descendants(graph: Graph, id: string): Set<string> {
  const out = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of graph.order) {
      if (out.has(n.id)) continue;
      if (n.upstream.some((u) => u === id || out.has(u))) {
        out.add(n.id);
        changed = true;
      }
    }
  }
  return out;
}
