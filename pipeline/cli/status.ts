/**
 * `status [NODE...]`: whether each node of a target (or of a selection and its upstream) is fresh
 * or stale and why, with the state of any cluster job that is computing a stale one.
 */
import type { Command } from "@commander-js/extra-typings";
import type { Project } from "../graph/project.ts";
import { graphStatus } from "../graph/status.ts";
import { readState } from "../store/state.ts";
import { jobStatuses } from "../run/executors/job_status.ts";
import { loadTarget, withTargetOptions } from "./options.ts";
import { setRehash } from "../graph/external_files.ts";
import { selectGraph } from "../graph/select.ts";

/** `status`: each stage of the target fresh or stale, and why (with cluster jobs in flight). */
export function registerStatus(program: Command, p: Project): void {
  withTargetOptions(
    p,
    program.command("status")
      .description("each stage fresh or stale, and why"),
  )
    .argument("[nodes...]", "only these node ids, stage names or patterns, and their upstream")
    .option("--json", "machine-readable output")
    .option("--rehash", "re-hash external input files, ignoring their recorded size and mtime")
    .action(async (names, f) => {
      if (f.rehash) setRehash(true);
      const { target, graph: whole, store, hasher } = await loadTarget(p, f);
      const graph = names.length > 0 ? selectGraph(whole, names) : whole;
      const own = await readState(p.artifactsRoot, target.name);
      const base = target.derivedFrom ? await readState(p.artifactsRoot, target.derivedFrom) : null;
      const state = { ...own, nodes: { ...base?.nodes, ...own.nodes } };
      const statuses = await graphStatus(graph, {
        store,
        hasher,
        runtime: await p.runtime(),
        state,
      });
      const jobs = await jobStatuses(
        store,
        statuses.filter((s) => s.state === "stale" && s.key).map((s) => s.key!),
      );
      if (f.json) {
        const nodes = statuses.map((s) => {
          const job = s.key ? jobs.get(s.key) : undefined;
          return job ? { ...s, job } : s;
        });
        console.log(JSON.stringify({ target: target.name, nodes }, null, 2));
        return;
      }
      console.log(`target ${target.name}`);
      for (const s of statuses) {
        const job = s.key ? jobs.get(s.key) : undefined;
        console.log(
          `  ${s.state === "fresh" ? "fresh" : "STALE"}  ${s.id}${
            s.key ? `  ${s.key.slice(0, 12)}` : ""
          }${job ? `  job ${job.jobId} ${job.state}` : ""}`,
        );
        for (const r of s.reasons) console.log(`         - ${r}`);
      }
      const stale = statuses.filter((s) => s.state === "stale").length;
      console.log(
        stale === 0 ? "everything is up to date" : `${stale} of ${statuses.length} stages stale`,
      );
    });
}
