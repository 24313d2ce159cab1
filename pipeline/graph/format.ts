/**
 * Renders the stage graph as Mermaid or Graphviz dot.
 */
import type { Graph } from "./graph.ts";

/** Supported graph formats. */
export type DagFormat = "mermaid" | "dot";

/** Renders the graph; node labels show id and stage; `name` names the dot graph. */
export function formatDag(graph: Graph, format: DagFormat, name = "pipeline"): string {
  const lines: string[] = [];
  const safe = (id: string) => id.replace(/[^A-Za-z0-9_]/g, "_");
  if (format === "mermaid") {
    lines.push("graph TD");
    for (const n of graph.order) lines.push(`  ${safe(n.id)}["${n.id}<br/>(${n.stage.name})"]`);
    for (const n of graph.order) {
      for (const [name, ref] of Object.entries(n.inputs)) {
        lines.push(`  ${safe(ref.node)} -->|${name}| ${safe(n.id)}`);
      }
    }
  } else {
    const id = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : JSON.stringify(name);
    lines.push(`digraph ${id} {`, "  rankdir=TB;", "  node [shape=box];");
    for (const n of graph.order) lines.push(`  "${n.id}" [label="${n.id}\\n(${n.stage.name})"];`);
    for (const n of graph.order) {
      for (const [name, ref] of Object.entries(n.inputs)) {
        lines.push(`  "${ref.node}" -> "${n.id}" [label="${name}"];`);
      }
    }
    lines.push("}");
  }
  return lines.join("\n") + "\n";
}
