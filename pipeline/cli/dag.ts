/**
 * `dag [NODE...]`: the stage graph of a target (or of a selection and its upstream), as Mermaid
 * or Graphviz dot.
 */
import { type Command, Option } from "@commander-js/extra-typings";
import type { Project } from "../graph/project.ts";
import { buildGraph } from "../graph/graph.ts";
import { selectGraph } from "../graph/select.ts";
import { type DagFormat, formatDag } from "../graph/format.ts";
import { toTargetOptions, withTargetOptions } from "./options.ts";

/** `dag`: prints the target's stage graph as Mermaid or Graphviz dot. */
export function registerDag(program: Command, p: Project): void {
  withTargetOptions(
    p,
    program.command("dag")
      .description("print the stage graph"),
  )
    .argument("[nodes...]", "only these node ids, stage names or patterns, and their upstream")
    .addOption(
      new Option("--format <f>", "output format").choices(["mermaid", "dot"] as const).default(
        "mermaid" as const,
      ),
    )
    .action(async (names, f) => {
      const target = await p.resolveTarget(toTargetOptions(p, f));
      const whole = buildGraph(target.nodes);
      const graph = names.length > 0 ? selectGraph(whole, names) : whole;
      console.log(formatDag(graph, f.format as DagFormat, p.name));
    });
}
