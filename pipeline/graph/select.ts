/**
 * Selecting part of a graph by name, as `reproduce NODE...`, `status NODE...` and `dag NODE...`
 * do (like `dvc repro STAGE` or Snakemake's targets): each name is a node id, a stage name (all
 * its nodes) or a pattern with `*` over node ids; the selection is those nodes and their
 * upstream. An unknown name fails with one sentence that lists the closest ids and stage names.
 */
import { closure, type Graph, GraphError } from "./graph.ts";

/**
 * The ids `names` select, in graph order: a node id selects that node (it wins over a stage of
 * the same name); otherwise a stage name selects every node of that stage; a name with `*`
 * selects every node id it matches. Throws a `GraphError` on the first name that selects nothing.
 */
export function selectNodes(graph: Graph, names: readonly string[]): string[] {
  const picked = new Set<string>();
  for (const name of names) {
    const hits = matches(graph, name);
    if (hits.length === 0) throw new GraphError(unknownName(graph, name));
    for (const id of hits) picked.add(id);
  }
  return graph.order.filter((n) => picked.has(n.id)).map((n) => n.id);
}

/** The graph restricted to the nodes `names` select and their upstream (same order). */
export function selectGraph(graph: Graph, names: readonly string[]): Graph {
  const order = closure(graph, selectNodes(graph, names));
  return { order, byId: new Map(order.map((n) => [n.id, n])) };
}

function matches(graph: Graph, name: string): string[] {
  if (graph.byId.has(name)) return [name];
  const ofStage = graph.order.filter((n) => n.stage.name === name).map((n) => n.id);
  if (ofStage.length > 0 || !name.includes("*")) return ofStage;
  const escaped = name.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  const re = new RegExp(`^${escaped.join(".*")}$`);
  return graph.order.filter((n) => re.test(n.id)).map((n) => n.id);
}

/** One sentence naming the unknown name and the closest node ids and stage names. */
function unknownName(graph: Graph, name: string): string {
  const names = [...new Set([...graph.order.map((n) => n.stage.name), ...graph.byId.keys()])];
  const limit = Math.max(2, Math.floor(name.length / 3));
  const close = names
    .map((n) => ({ n, d: contains(n, name) ? 0 : editDistance(name, n) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : a.n > b.n ? 1 : 0))
    .slice(0, 5)
    .map((x) => x.n);
  return close.length > 0
    ? `no node or stage is named "${name}"; close matches: ${close.join(", ")}`
    : `no node or stage is named "${name}", nor close to it; "dag" lists every node and stage`;
}

/** One name holds the other and the shorter is no mere letter or two ("sum" in "sum-a"). */
function contains(a: string, b: string): boolean {
  return Math.min(a.length, b.length) >= 3 && (a.includes(b) || b.includes(a));
}

/** Levenshtein distance between two strings. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
