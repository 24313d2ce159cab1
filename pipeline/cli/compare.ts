/**
 * `diff` and `runs`: compare the metrics of runs (results folders, targets, bundles, the
 * expectations file or a project's named reference values, e.g. published ones), and list every
 * published run, like `dvc metrics diff` and `dvc exp show`.
 */
import { type Command, Option } from "@commander-js/extra-typings";
import { join } from "node:path";
import { DEFAULT_LIMITS, extractTarGz } from "../bundle/archive.ts";
import { type Expectations, parseExpectations } from "../metrics/check.ts";
import { userPath } from "./options.ts";
import {
  DIFF_FORMATS,
  diffFails,
  type DiffFormat,
  diffMetrics,
  formatDiff,
} from "../metrics/diff.ts";
import type { CheckSupport, Project, Target } from "../graph/project.ts";
import { listRuns, type PublishedRun, readProvenance } from "../metrics/runs.ts";
import { readTextOrNull, statOrNull } from "../stage/absent.ts";
import { Store } from "../store/store.ts";

/** One side of a diff. */
interface Side {
  label: string;
  metrics: Record<string, number>;
  /** Set when the side is an expectations file (its tolerances apply). */
  expectations?: Expectations;
  /** The run's `provenance.json` facts, when the side is a run. */
  meta?: Record<string, unknown>;
  /** Results folder, when the side is a run. */
  dir?: string;
}

/** A results folder as a target, for the project's expectations path. */
function asTarget(dir: string, meta: Record<string, unknown>): Target {
  return { name: String(meta.target ?? dir), nodes: [], resultsDir: dir, meta };
}

async function runSide(s: CheckSupport, dir: string, label: string): Promise<Side> {
  const meta = await readProvenance(dir) as Record<string, unknown>;
  return { label, metrics: await s.resultsMetrics(dir), meta, dir };
}

async function isDir(path: string): Promise<boolean | null> {
  return (await statOrNull(path))?.isDirectory ?? null;
}

/** What resolving a side of a diff consults. */
interface SideContext {
  p: Project;
  s: CheckSupport;
  /** The published runs, newest first. */
  runs: PublishedRun[];
  /** Makes a temporary folder (for an unpacked bundle). */
  tmp: () => Promise<string>;
}

/**
 * Resolves a side given on the command line: `expected`, a reference name, a results folder,
 * a bundle (`.tar.gz`, unpacked safely into `tmp`), or a run by target name or results path.
 */
async function resolveSide(spec: string, other: Side | null, ctx: SideContext): Promise<Side> {
  const { p, s, runs, tmp } = ctx;
  if (spec === "expected" || Object.hasOwn(s.references ?? {}, spec)) {
    if (!other?.meta) throw new Error(`diff: "${spec}" needs a run on the other side`);
    if (spec === "expected") {
      const file = s.expectationsFile(asTarget(other.dir!, other.meta));
      const text = await readTextOrNull(file);
      if (text === null) throw new Error(`diff: no expectations file ${file} for ${other.label}`);
      const expectations = parseExpectations(text);
      const metrics = Object.fromEntries(
        Object.entries(expectations.metrics).map(([k, m]) => [k, m.value]),
      );
      return { label: file, metrics, expectations };
    }
    const values = s.references![spec](other.meta);
    if (!values) throw new Error(`diff: no ${spec} values for ${other.label}`);
    return { label: spec, metrics: values };
  }
  const path = userPath(spec);
  const kind = await isDir(path);
  if (kind === true) return await runSide(s, path, spec);
  if (kind === false) {
    const dir = await tmp();
    await extractTarGz(path, dir, DEFAULT_LIMITS);
    return await runSide(s, join(dir, "results"), spec);
  }
  const run = runs.find((r) => r.path === spec || r.target === spec);
  if (run) return await runSide(s, run.dir, `${run.target} (${run.path})`);
  throw new Error(
    `diff: "${spec}" is not "expected", ${
      Object.keys(s.references ?? {}).map((r) => `"${r}", `).join("")
    }a results folder, a bundle or a published run (${
      runs.map((r) => r.path).join(", ") || `none yet in ${p.artifactsRoot}/results`
    })`,
  );
}

/** Adds `diff` (when the project has metrics) and `runs` to the CLI. */
export function registerCompareCommands(program: Command, p: Project): void {
  const s = p.check;
  if (s) {
    program.command("diff")
      .description(
        "compare metrics: A and B are results folders, published runs (target or results path), " +
          `bundles, "expected"${
            Object.keys(s.references ?? {}).map((r) => ` or "${r}"`).join("")
          }; default: the expectations vs the last run; exit 1 past tolerance (as check)`,
      )
      .argument("[a]", "old side (default: expected, or with one argument that argument)")
      .argument("[b]", "new side (default: the last published run)")
      .addOption(
        new Option("--format <f>", "output format").choices(DIFF_FORMATS).default(
          "plain" as const,
        ),
      )
      .option("--all", "list unchanged metrics too")
      .action(async (a, b, f) => {
        const store = new Store(p.artifactsRoot);
        const runs = await listRuns(store);
        const temps: string[] = [];
        const tmp = async () => {
          const d = await Deno.makeTempDir({ prefix: "diff-" });
          temps.push(d);
          return d;
        };
        try {
          let newSide: Side;
          if (b !== undefined) newSide = await resolveSide(b, null, { p, s, runs, tmp });
          else {
            if (runs.length === 0) {
              throw new Error(`diff: no published run in ${store.root}/results`);
            }
            newSide = await runSide(s, runs[0].dir, `${runs[0].target} (last run)`);
          }
          const oldSide = await resolveSide(a ?? "expected", newSide, { p, s, runs, tmp });
          const rows = diffMetrics(oldSide.metrics, newSide.metrics, {
            expectations: oldSide.expectations,
            tolerance: (n) => s.tolerance(n),
          });
          console.log(
            formatDiff(rows, f.format as DiffFormat, {
              all: f.all ?? false,
              old: oldSide.label,
              new: newSide.label,
            }),
          );
          if (diffFails(rows)) Deno.exitCode = 1;
        } finally {
          for (const d of temps) await Deno.remove(d, { recursive: true });
        }
      });
  }

  program.command("runs")
    .description("every published run: target, facts, date, git commit, key metrics, store")
    .option("--json", "machine-readable output")
    .action(async (f) => {
      const store = new Store(p.artifactsRoot);
      const runs = await listRuns(store);
      const rows = [];
      for (const r of runs) {
        let metrics: Record<string, number> = {};
        if (s) {
          try {
            metrics = await s.resultsMetrics(r.dir);
          } catch (e) {
            // A run without metrics (e.g. interrupted before its report) shows none.
            if (!(e instanceof Deno.errors.NotFound)) throw e;
          }
        }
        const summary = Object.fromEntries((s?.summary ?? []).map((n) => [n, metrics[n] ?? null]));
        rows.push({ ...r, summary });
      }
      if (f.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) {
        console.log(`no published run in ${store.root}/results`);
        return;
      }
      const facts = (m: Record<string, unknown>) =>
        Object.entries(m)
          .filter(([k, v]) => k !== "runtime" && k !== "git" && v !== undefined && v !== null)
          .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`).join(" ");
      const header = ["run", "date", "commit", ...(s?.summary ?? []), "store", "facts"];
      const table = rows.map((r) => {
        const git = r.meta.git as { commit?: string | null; dirty?: boolean | null } | undefined;
        return [
          r.path,
          r.date.slice(0, 19).replace("T", " "),
          git?.commit ? `${git.commit.slice(0, 8)}${git.dirty ? "+" : ""}` : "-",
          ...Object.values(r.summary).map((v) => (v === null ? "-" : v.toFixed(4))),
          r.present === r.entries ? `all ${r.entries}` : `${r.present}/${r.entries} present`,
          facts(r.meta),
        ];
      });
      const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
      const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i])).join("  ").trimEnd();
      console.log([line(header), ...table.map(line)].join("\n"));
      console.log("commit: + means uncommitted changes; store: entries behind the published files");
    });
}
