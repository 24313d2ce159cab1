/**
 * The command-line interface: reproduce, status, dag, verify, gc (plus project commands).
 */
import { Command, Option } from "@commander-js/extra-typings";
import { CodeHasher } from "./code_hash.ts";
import { buildGraph, type Graph } from "./dag.ts";
import { type DagFormat, formatDag } from "./dag_format.ts";
import { collectGarbage } from "./gc.ts";
import type { Project, Target, TargetOptions } from "./project.ts";
import { printReport, reproduceTarget } from "./reproduce.ts";
import { readState } from "./state.ts";
import { graphStatus } from "./status.ts";
import { Store } from "./store.ts";
import { verifyStore } from "./verify.ts";
import { printCheck, runCheck } from "./check_command.ts";

/** Options shared by commands that select a target. */
interface TargetFlags {
  dataset?: string;
  dataDir?: string;
  profile: string;
  init?: string;
}

function targetOptions(p: Project) {
  return [
    new Option("--dataset <name>", "dataset name (see `data list`)"),
    new Option("--data-dir <path>", "your own data: interactions.csv|tsv + features.npy"),
    new Option("--profile <name>", "run profile").choices(p.profiles).default("default"),
    new Option(
      "--init <source>",
      "starting weights of the final model (project-defined, e.g. official-vbpr)",
    ),
  ] as const;
}

function toTargetOptions(f: TargetFlags): TargetOptions {
  if (f.dataset && f.dataDir) throw new Error("give either --dataset or --data-dir, not both");
  return { dataset: f.dataset, dataDir: f.dataDir, profile: f.profile, init: f.init };
}

async function load(
  p: Project,
  f: TargetFlags,
): Promise<{ target: Target; graph: Graph; store: Store; hasher: CodeHasher }> {
  const target = await p.resolveTarget(toTargetOptions(f));
  const graph = buildGraph(target.nodes);
  const store = new Store(p.artifactsRoot);
  const hasher = await CodeHasher.load([p.entry], p.root);
  return { target, graph, store, hasher };
}

/** Builds the CLI for a project. */
export function buildCli(p: Project): Command {
  const program = new Command(p.name)
    .description(
      "Reproduce AMR (Tang et al., IEEE TKDE) end to end, with a content-addressed cache.",
    )
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  const [dataset, dataDir, profile, init] = targetOptions(p);

  program.command("reproduce")
    .description("run every stage the tables and figures need; reuse cached entries")
    .addOption(dataset).addOption(dataDir).addOption(profile).addOption(init)
    .option("--jobs <n>", "stages run in parallel (Workers)", (v) => positiveInt(v, "--jobs"), 1)
    .option("--force [stages...]", "rerun all stages, or only the named node ids or stage names")
    .option("--dry-run", "show what would run, run nothing")
    .option(
      "--threads <n>",
      "threads per stage for numeric kernels (default: the cores)",
      (v) => positiveInt(v, "--threads"),
    )
    .action(async (f) => {
      if (f.threads !== undefined) {
        if (!p.threadsEnv) throw new Error("--threads: this project has no threaded kernels");
        Deno.env.set(p.threadsEnv, String(f.threads));
      }
      const target = await p.resolveTarget(toTargetOptions(f));
      const dryRun = f.dryRun ?? false;
      const report = await withInterrupt((signal) =>
        reproduceTarget(p, target, {
          jobs: f.jobs,
          force: f.force === true ? true : Array.isArray(f.force) ? f.force : false,
          dryRun,
          signal,
        })
      );
      printReport(report, target, dryRun);
    });

  program.command("status")
    .description("each stage fresh or stale, and why")
    .addOption(dataset).addOption(dataDir).addOption(profile).addOption(init)
    .option("--json", "machine-readable output")
    .action(async (f) => {
      const { target, graph, store, hasher } = await load(p, f);
      const state = await readState(p.artifactsRoot, target.name);
      const statuses = await graphStatus(graph, {
        store,
        hasher,
        runtime: await p.runtime(),
        state,
      });
      if (f.json) {
        console.log(JSON.stringify({ target: target.name, nodes: statuses }, null, 2));
        return;
      }
      console.log(`target ${target.name}`);
      for (const s of statuses) {
        console.log(
          `  ${s.state === "fresh" ? "fresh" : "STALE"}  ${s.id}${
            s.key ? `  ${s.key.slice(0, 12)}` : ""
          }`,
        );
        for (const r of s.reasons) console.log(`         - ${r}`);
      }
      const stale = statuses.filter((s) => s.state === "stale").length;
      console.log(
        stale === 0 ? "everything is up to date" : `${stale} of ${statuses.length} stages stale`,
      );
    });

  program.command("dag")
    .description("print the stage graph")
    .addOption(dataset).addOption(dataDir).addOption(profile).addOption(init)
    .addOption(
      new Option("--format <f>", "output format").choices(["mermaid", "dot"] as const).default(
        "mermaid" as const,
      ),
    )
    .action(async (f) => {
      const target = await p.resolveTarget(toTargetOptions(f));
      console.log(formatDag(buildGraph(target.nodes), f.format as DagFormat));
    });

  program.command("verify")
    .description("re-hash every stored output against its manifest")
    .option("--json", "machine-readable output")
    .action(async (f) => {
      const report = await verifyStore(new Store(p.artifactsRoot));
      if (f.json) console.log(JSON.stringify(report, null, 2));
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
      }
      if (report.problems.length > 0) Deno.exitCode = 1;
    });

  program.command("gc")
    .description("remove store entries no recorded result uses, and leftovers of crashed runs")
    .option("--dry-run", "list what would be removed")
    .action(async (f) => {
      const r = await collectGarbage(new Store(p.artifactsRoot), { dryRun: f.dryRun ?? false });
      for (const k of r.removed) console.log(`${f.dryRun ? "would remove" : "removed"} ${k}`);
      console.log(
        `kept ${r.kept} entries, ${
          f.dryRun ? "would remove" : "removed"
        } ${r.removed.length}, cleaned ${r.temporaries} temporary folder(s)`,
      );
    });

  program.command("check")
    .description("compare the last run's metrics with configs/expected/<dataset>-<profile>.json")
    .addOption(dataset).addOption(dataDir).addOption(profile).addOption(init)
    .option("--update", "rewrite the expectations from the produced metrics (prints what changed)")
    .option("--expected <file>", "another expectations file")
    .action(async (f) => {
      const target = await p.resolveTarget(toTargetOptions(f));
      const outcome = await runCheck(p, target, { update: f.update ?? false, file: f.expected });
      Deno.exitCode = printCheck(outcome, f.update ?? false) || Deno.exitCode || 0;
    });

  p.extend?.(program);
  return program;
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
  const onSigint = () => {
    if (++interrupts > 1) Deno.exit(130);
    console.error("interrupt: stopping; finished stages stay cached (Ctrl-C again to quit now)");
    abort.abort(new Error("interrupted"));
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    return await fn(abort.signal);
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

/** Runs the CLI; prints errors without a stack trace unless AMR_DEBUG is set. */
export async function main(p: Project, args: string[]): Promise<void> {
  try {
    await buildCli(p).parseAsync(args, { from: "user" });
  } catch (e) {
    const err = e as Error;
    console.error(`error: ${err.message}`);
    if (Deno.env.get("AMR_DEBUG")) console.error(err.stack);
    Deno.exitCode = Deno.exitCode || 1;
  }
}
