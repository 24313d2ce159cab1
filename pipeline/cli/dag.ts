/**
 * `dag`: the stage graph of a target, as Mermaid or Graphviz dot.
 */
import { type Command, Option } from "@commander-js/extra-typings";
import type { Project } from "../graph/project.ts";
import { buildGraph } from "../graph/graph.ts";
import { type DagFormat, formatDag } from "../graph/format.ts";
import { toTargetOptions, withTargetOptions } from "./options.ts";

/** `dag`: prints the target's stage graph as Mermaid or Graphviz dot. */
export function registerDag(program: Command, p: Project): void {
  withTargetOptions(
    p,
    program.command("dag")
      .description("print the stage graph"),
  )
    .addOption(
      new Option("--format <f>", "output format").choices(["mermaid", "dot"] as const).default(
        "mermaid" as const,
      ),
    )
    .action(async (f) => {
      const target = await p.resolveTarget(toTargetOptions(p, f));
      console.log(formatDag(buildGraph(target.nodes), f.format as DagFormat, p.name));
    });
}
