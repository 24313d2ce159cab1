/**
 * `reproduce [NODE...]`: run a target's graph, or the named nodes and their upstream (locally or
 * on a cluster), print what ran, optionally price a dry run or compare the result with a bundle.
 */
import type { Command } from "@commander-js/extra-typings";
import type { Project, Target } from "../graph/project.ts";
import { buildGraph } from "../graph/graph.ts";
import { estimateRun, formatEstimate } from "../graph/estimate.ts";
import { setRehash } from "../graph/external_files.ts";
import { describeSelection, printReport, reproduceTarget } from "../run/reproduce.ts";
import type { ReproduceReport } from "../run/reproduce.ts";
import { clusterConfig, LOCAL_EXECUTORS, projectSlurmExecutor } from "../run/executors/select.ts";
import { bundleTargetOptions, compareWithBundle, openBundle } from "./bundle.ts";
import { withInterrupt } from "./interrupt.ts";
import { pullBeforeRun } from "./remote.ts";
import { nonNegativeInt, positiveInt, toTargetOptions, withTargetOptions } from "./options.ts";

/** `reproduce`: runs every stage of the target's graph (or a selection), reusing cached entries. */
export function registerReproduce(program: Command, p: Project): void {
  withTargetOptions(
    p,
    program.command("reproduce")
      .description(
        "run every stage of the target's graph, or only the named nodes and their upstream; " +
          "reuse cached entries",
      ),
  )
    .argument(
      "[nodes...]",
      "node ids, stage names (all their nodes) or patterns with * over node ids; a partial " +
        "run publishes no results",
    )
    .option(
      "--jobs <n|auto>",
      "stages run in parallel (Workers); auto: fit jobs x threads per stage to the cores",
      (v) => v === "auto" ? "auto" as const : positiveInt(v, "--jobs"),
      "auto" as const,
    )
    .option("--force [stages...]", "rerun all stages, or only the named node ids or stage names")
    .option("--dry-run", "show what would run, run nothing")
    .option(
      "--rehash",
      "re-hash external input files (outside the store), ignoring their recorded size and mtime",
    )
    .option("--estimate", "with --dry-run: expected CPU time per stage and wall time on N slots")
    .option(
      "--slots <list>",
      "slot counts for --estimate's wall time",
      (v) => v.split(",").map((x) => positiveInt(x.trim(), "--slots")),
      [1, 8, 32, 128],
    )
    .option(
      "--threads <n>",
      "threads per stage for numeric kernels (default: the cores)",
      (v) => positiveInt(v, "--threads"),
    )
    .option(
      "--no-fuse",
      "run the nodes of a fused group (a grid level) one by one; outputs are byte-identical",
    )
    .option(
      "--fuse-max <n>",
      "at most n nodes of a fused group per job (default: a group fills the slots; SLURM: " +
        "one job per group)",
      (v) => positiveInt(v, "--fuse-max"),
    )
    .option(
      "--executor <name>",
      `where stages run: ${LOCAL_EXECUTORS[0]} (default), slurm, or a config's name`,
    )
    .option("--partition <name>", "SLURM partition")
    .option("--account <name>", "SLURM account")
    .option("--time <limit>", "SLURM time limit per job, e.g. 2:00:00")
    .option("--mem <size>", "SLURM memory per job, e.g. 4G")
    .option("--cpus-per-task <n>", "SLURM CPUs per job", (v) => positiveInt(v, "--cpus-per-task"))
    .option(
      "--sbatch-flag <flag>",
      "extra sbatch flag (repeatable)",
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option(
      "--max-retries <n>",
      "resubmissions of a job that ended without an entry",
      (v) => nonNegativeInt(v, "--max-retries"),
    )
    .option(
      "--compare-bundle <file>",
      "rerun the bundle's target here, then report per output whether it is byte-identical " +
        "and how the metrics differ (target options not given default to the bundle's)",
    )
    .option("--pull", "first fetch what verifies of the target's run from the remote")
    .option("--remote <url>", "remote for --pull (default: the project's remote variable)")
    .action(async (nodes, f, cmd) => {
      if (f.threads !== undefined) {
        if (!p.threadsEnv) throw new Error("--threads: this project has no threaded kernels");
        Deno.env.set(p.threadsEnv, String(f.threads));
      }
      if (f.rehash) setRehash(true);
      if (!f.fuse && f.fuseMax !== undefined) throw new Error("--fuse-max: not with --no-fuse");
      if (f.compareBundle && nodes.length > 0) {
        throw new Error("--compare-bundle compares a whole run: give no node names with it");
      }
      const opened = f.compareBundle ? await openBundle(f.compareBundle) : null;
      try {
        let options = toTargetOptions(p, f);
        if (opened) options = bundleTargetOptions(p, options, opened.info, cmd);
        const target = await p.resolveTarget(options);
        const dryRun = f.dryRun ?? false;
        if (f.remote && !f.pull) throw new Error("--remote needs --pull");
        if (f.pull && !(await pullBeforeRun(p, target, f.remote))) return;
        if (f.estimate && !dryRun) throw new Error("--estimate needs --dry-run");
        const cluster = await clusterConfig(p, f);
        const log = (l: string) => console.error(l);
        const report = await withInterrupt((signal) =>
          reproduceTarget(p, target, {
            ...(cluster && !dryRun ? { executor: projectSlurmExecutor(p, cluster, log) } : {}),
            ...(nodes.length > 0 ? { targets: nodes } : {}),
            jobs: f.jobs,
            threads: f.threads,
            force: f.force === true ? true : Array.isArray(f.force) ? f.force : false,
            dryRun,
            signal,
            fuse: { enabled: f.fuse, ...(f.fuseMax ? { max: f.fuseMax } : {}) },
          })
        );
        printReport(report, target, dryRun);
        if (f.estimate) await printEstimate(p, target, report, f.slots);
        if (opened && !dryRun) {
          const failed = await compareWithBundle(p, target, opened.dir, f.compareBundle!);
          if (failed) Deno.exitCode = 1;
        }
      } finally {
        await opened?.close();
      }
    });
}

/** Prints `--estimate`'s table for the nodes a dry run found to run. */
async function printEstimate(
  p: Project,
  target: Target,
  report: ReproduceReport,
  slots: number[],
): Promise<void> {
  if (!p.costModel) throw new Error("--estimate: this project has no cost model");
  const run = new Set(report.outcomes.filter((o) => o.status === "would-run").map((o) => o.id));
  const e = estimateRun(buildGraph(target.nodes).order, run, await p.costModel(target), slots);
  const what = report.selected
    ? `, selection ${describeSelection(report.selected)} with its upstream`
    : "";
  console.log(`\nestimate for ${target.name}${what} (${run.size} stages to run)\n`);
  console.log(formatEstimate(e));
}
