/**
 * The command-line interface: reproduce, status, dag, verify, gc, check (when the project
 * supports it), plus the project's own commands. Target-selecting options, the tool's name and
 * description come from the project.
 */
import { Command, Option } from "@commander-js/extra-typings";
import { CodeHasher } from "../graph/code_hash.ts";
import { buildGraph, type Graph } from "../graph/graph.ts";
import { type DagFormat, formatDag } from "../graph/format.ts";
import { collectGarbage } from "../store/gc.ts";
import type { Project, Target } from "../graph/project.ts";
import { printReport, reproduceTarget } from "../run/reproduce.ts";
import { readState } from "../store/state.ts";
import { graphStatus } from "../graph/status.ts";
import { Store } from "../store/store.ts";
import { repairStore, verifyStore } from "../store/verify.ts";
import { printCheck, runCalibrate, runCheck } from "./check.ts";
import { toTargetOptions, withTargetOptions } from "./options.ts";
import {
  bundleTargetOptions,
  compareWithBundle,
  openBundle,
  registerBundleCommands,
  runVerifyBundle,
} from "./bundle.ts";
import { DEFAULT_LIMITS } from "../bundle/archive.ts";
import { createProgress } from "../stage/progress.ts";
import { estimateRun, formatEstimate } from "../graph/estimate.ts";
import type { RunReport } from "../run/runner.ts";
import { runPendingNode } from "../run/run_node.ts";
import { RunCancelled } from "../run/runner.ts";
import { clusterConfig, LOCAL_EXECUTORS, projectSlurmExecutor } from "../run/executors/select.ts";
import { jobStatuses } from "../run/executors/job_status.ts";
import { registerCompareCommands } from "./compare.ts";

async function load(
  p: Project,
  f: Record<string, unknown>,
): Promise<{ target: Target; graph: Graph; store: Store; hasher: CodeHasher }> {
  const target = await p.resolveTarget(toTargetOptions(p, f));
  const graph = buildGraph(target.nodes);
  const store = new Store(p.artifactsRoot);
  const hasher = await CodeHasher.load([p.entry], p.root);
  return { target, graph, store, hasher };
}

/** Builds the CLI for a project. */
export function buildCli(p: Project): Command {
  const program = new Command(p.name)
    .description(p.description)
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  withTargetOptions(
    p,
    program.command("reproduce")
      .description("run every stage of the target's graph; reuse cached entries"),
  )
    .option(
      "--jobs <n|auto>",
      "stages run in parallel (Workers); auto: fit jobs x threads per stage to the cores",
      (v) => v === "auto" ? "auto" as const : positiveInt(v, "--jobs"),
      "auto" as const,
    )
    .option("--force [stages...]", "rerun all stages, or only the named node ids or stage names")
    .option("--dry-run", "show what would run, run nothing")
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
    .action(async (f, cmd) => {
      if (f.threads !== undefined) {
        if (!p.threadsEnv) throw new Error("--threads: this project has no threaded kernels");
        Deno.env.set(p.threadsEnv, String(f.threads));
      }
      const opened = f.compareBundle ? await openBundle(f.compareBundle) : null;
      try {
        let options = toTargetOptions(p, f);
        if (opened) options = bundleTargetOptions(p, options, opened.info, cmd);
        const target = await p.resolveTarget(options);
        const dryRun = f.dryRun ?? false;
        if (f.estimate && !dryRun) throw new Error("--estimate needs --dry-run");
        const cluster = await clusterConfig(p, f);
        const log = (l: string) => console.error(l);
        const report = await withInterrupt((signal) =>
          reproduceTarget(p, target, {
            ...(cluster && !dryRun ? { executor: projectSlurmExecutor(p, cluster, log) } : {}),
            jobs: f.jobs,
            threads: f.threads,
            force: f.force === true ? true : Array.isArray(f.force) ? f.force : false,
            dryRun,
            signal,
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

  withTargetOptions(
    p,
    program.command("status")
      .description("each stage fresh or stale, and why"),
  )
    .option("--json", "machine-readable output")
    .action(async (f) => {
      const { target, graph, store, hasher } = await load(p, f);
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

  program.command("run-node")
    .description("run one pending node by key and commit its entry (what a cluster job runs)")
    .argument("<key>", "the node's key (its pending record is store/.pending/<key>.json)")
    .action(async (key: string) => {
      const store = new Store(p.artifactsRoot);
      const hasher = await CodeHasher.load([p.entry], p.root);
      const runtime = await p.runtime();
      const r = await withInterrupt((signal) =>
        runPendingNode(key, {
          store,
          hasher,
          runtime,
          signal,
          log: (l) => console.error(l),
          progress: (id) => createProgress(id, { plain: true }),
        })
      );
      console.log(`${r.ran ? "committed" : "already committed"} ${r.manifest.node} ${key}`);
    });

  program.command("verify")
    .description(
      "re-hash every stored output against its manifest; or check a bundle offline (--bundle)",
    )
    .option("--json", "machine-readable output")
    .option("--bundle <file>", "verify this bundle instead of the store (works offline)")
    .option(
      "--repair",
      "move entries that fail to store/.quarantine/ (with a note); the next reproduce rebuilds them",
    )
    .option(
      "--max-bytes <n>",
      `refuse a bundle that unpacks to more bytes (default ${DEFAULT_LIMITS.maxBytes})`,
      (v) => positiveInt(v, "--max-bytes"),
    )
    .action(async (f) => {
      if (f.bundle) {
        const code = await runVerifyBundle(p, f.bundle, { json: f.json, maxBytes: f.maxBytes });
        Deno.exitCode = code || Deno.exitCode || 0;
        return;
      }
      const store = new Store(p.artifactsRoot);
      const report = await verifyStore(store);
      const repaired = f.repair ? await repairStore(store, report) : [];
      if (f.json) console.log(JSON.stringify({ ...report, repaired }, null, 2));
      else {
        for (const pr of report.problems) {
          console.error(
            `${pr.problem}: ${pr.file}${
              pr.expected
                ? ` (expected ${pr.expected}, got ${pr.actual})`
                : pr.actual
                ? ` (${pr.actual})`
                : ""
            }`,
          );
        }
        console.log(
          `verified ${report.entries} entries, ${report.files} files, ${
            (report.bytes / 1e6).toFixed(1)
          } MB: ${report.problems.length} problem(s)`,
        );
        for (const r of repaired) {
          console.log(
            `quarantined ${r.key}${r.movedTo ? ` to ${r.movedTo}` : " (already gone)"}`,
          );
        }
        if (repaired.length > 0) {
          console.log(`repaired: the next reproduce rebuilds ${repaired.length} entry(ies)`);
        }
      }
      if (report.problems.length > 0 && !f.repair) Deno.exitCode = 1;
    });

  program.command("gc")
    .description("remove store entries no recorded result uses, and leftovers of crashed runs")
    .option("--dry-run", "list what would be removed")
    .action(async (f) => {
      const r = await collectGarbage(new Store(p.artifactsRoot), { dryRun: f.dryRun ?? false });
      for (const k of r.removed) console.log(`${f.dryRun ? "would remove" : "removed"} ${k}`);
      for (const c of r.checkpointsRemoved) {
        console.log(`${f.dryRun ? "would remove" : "removed"} orphaned checkpoint ${c}`);
      }
      if (r.checkpointsKept > 0) {
        console.log(
          `kept ${r.checkpointsKept} checkpoint(s) of interrupted runs (a rerun resumes)`,
        );
      }
      console.log(
        `kept ${r.kept} entries, ${
          f.dryRun ? "would remove" : "removed"
        } ${r.removed.length}, cleaned ${r.temporaries} temporary folder(s)`,
      );
    });

  if (p.check) {
    withTargetOptions(p, program.command("check").description(p.check.description))
      .option(
        "--update",
        "rewrite the expectations from the produced metrics (prints what changed)",
      )
      .option("--expected <file>", "another expectations file")
      .option(
        "--calibrate",
        "run the target (give it several seeds) and write the expectations with tolerances " +
          "max(4 sd over seeds, floor) and the seed values",
      )
      .option(
        "--jobs <n>",
        "with --calibrate: stages run in parallel",
        (v) => positiveInt(v, "--jobs"),
        1,
      )
      .action(async (f) => {
        const target = await p.resolveTarget(toTargetOptions(p, f));
        if (f.calibrate) {
          if (f.update) throw new Error("give either --update or --calibrate, not both");
          const report = await withInterrupt((signal) =>
            reproduceTarget(p, target, { jobs: f.jobs, force: false, dryRun: false, signal })
          );
          printReport(report, target, false);
          const outcome = await runCalibrate(p, target, { file: f.expected });
          Deno.exitCode = printCheck(outcome, true) || Deno.exitCode || 0;
          return;
        }
        const outcome = await runCheck(p, target, { update: f.update ?? false, file: f.expected });
        Deno.exitCode = printCheck(outcome, f.update ?? false) || Deno.exitCode || 0;
      });
  }

  registerBundleCommands(program, p);
  registerCompareCommands(program, p);
  p.extend?.(program);
  return program;
}

/** Prints `--estimate`'s table for the nodes a dry run found to run. */
async function printEstimate(
  p: Project,
  target: Target,
  report: RunReport,
  slots: number[],
): Promise<void> {
  if (!p.costModel) throw new Error("--estimate: this project has no cost model");
  const run = new Set(report.outcomes.filter((o) => o.status === "would-run").map((o) => o.id));
  const e = estimateRun(buildGraph(target.nodes).order, run, await p.costModel(target), slots);
  console.log(`\nestimate for ${target.name} (${run.size} stages to run)\n`);
  console.log(formatEstimate(e));
}

function nonNegativeInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`${flag} expects a non-negative integer, got "${v}"`);
  }
  return n;
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${flag} expects a positive integer, got "${v}"`);
  }
  return n;
}

/**
 * Runs `fn` with an abort signal tied to Ctrl-C: the first interrupt stops the run cleanly
 * (finished stages stay cached, no half entry is left), a second one exits at once.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (name: Deno.Signal) => () => {
    if (++interrupts > 1) Deno.exit(130);
    console.error(
      `${name}: cancelling the running stages; finished stages stay cached ` +
        `(again to quit at once)`,
    );
    abort.abort(new Error(`interrupted (${name})`));
  };
  const handlers = (["SIGINT", "SIGTERM"] as const).map((s) => [s, onSignal(s)] as const);
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);
  try {
    return await fn(abort.signal);
  } finally {
    for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  }
}

/** Runs the CLI; prints errors without a stack trace unless the project's `debugEnv` is set. */
export async function main(p: Project, args: string[]): Promise<void> {
  try {
    await buildCli(p).parseAsync(args, { from: "user" });
  } catch (e) {
    const err = e as Error;
    if (err instanceof RunCancelled) {
      console.error(err.message);
      if (err.finished.length > 0) console.error(`  finished: ${err.finished.join(", ")}`);
      if (err.cancelled.length > 0) console.error(`  cancelled: ${err.cancelled.join(", ")}`);
      Deno.exitCode = 130;
      return;
    }
    console.error(`error: ${err.message}`);
    if (p.debugEnv && Deno.env.get(p.debugEnv)) console.error(err.stack);
    Deno.exitCode = Deno.exitCode || 1;
  }
}
