/**
 * `run-node`: what a cluster job runs: one pending node (or a fused group's nodes), by key,
 * executed and committed.
 */
import type { Command } from "@commander-js/extra-typings";
import type { Project } from "../graph/project.ts";
import { CodeHasher } from "../graph/code_hash.ts";
import { Store } from "../store/store.ts";
import { createProgress } from "../stage/progress.ts";
import { runPendingGroup } from "../run/run_node.ts";
import { withInterrupt } from "./interrupt.ts";

/**
 * `run-node <key...>`: runs one pending node and commits its entry, or several nodes of one
 * stage as a fused group (what a cluster job runs).
 */
export function registerRunNode(program: Command, p: Project): void {
  program.command("run-node")
    .description(
      "run one pending node by key and commit its entry, or several of one stage as a fused " +
        "group (what a cluster job runs)",
    )
    .argument("<keys...>", "the nodes' keys (each pending record is store/.pending/<key>.json)")
    .action(async (keys: string[]) => {
      const store = new Store(p.artifactsRoot);
      const hasher = await CodeHasher.load([p.entry], p.root);
      const runtime = await p.runtime();
      const results = await withInterrupt((signal) =>
        runPendingGroup(keys, {
          store,
          hasher,
          runtime,
          signal,
          log: (l) => console.error(l),
          progress: (id) => createProgress(id, { plain: true }),
        })
      );
      results.forEach((r, i) => {
        console.log(`${r.ran ? "committed" : "already committed"} ${r.manifest.node} ${keys[i]}`);
      });
    });
}
