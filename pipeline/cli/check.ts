/**
 * `check`: compares the metrics a target's last run produced with its expectations file
 * (`check.ts`), or with `--update` rewrites that file from the produced metrics and prints
 * what changed. The project supplies the metrics, the file's path and the tolerances.
 */
import {
  calibrateExpectations,
  checkMetrics,
  type Expectations,
  type ExpectedMetric,
  formatViolation,
  parseExpectations,
  type Violation,
} from "../metrics/check.ts";
import type { Command } from "@commander-js/extra-typings";
import type { CheckSupport, Project, Target, ToleranceOptions } from "../graph/project.ts";
import { printReport, reproduceTarget } from "../run/reproduce.ts";
import { readUserText } from "../stage/user_file.ts";
import { withInterrupt } from "./interrupt.ts";
import { positiveInt, toTargetOptions, withTargetOptions } from "./options.ts";

/** Outcome of {@link runCheck}. */
export interface CheckOutcome {
  /** Expectations file used. */
  file: string;
  /** Metrics compared (check) or written (update). */
  metrics: number;
  /** Violations (check only). */
  violations: Violation[];
  /** Lines describing the changes (update only). */
  changes: string[];
}

function support(p: Project): CheckSupport {
  if (!p.check) throw new Error(`project ${p.name} does not support "check"`);
  return p.check;
}

async function readExpectations(file: string): Promise<Expectations | null> {
  let text: string;
  try {
    text = await readUserText(file, { what: "expectations file" });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    return parseExpectations(text);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

/**
 * New expectations from produced metrics: a metric already expected keeps its tolerances, a
 * new one gets the project's; returns the file's text and one line per change. A calibrated
 * file is refused: one run's values would replace the means over seeds under tolerances derived
 * from those seeds.
 */
export function mergeExpectations(
  old: Expectations | null,
  got: Readonly<Record<string, number>>,
  tolerance: (name: string) => ToleranceOptions,
): { text: string; changes: string[] } {
  if (old?.calibration) {
    throw new Error(
      `the expectations are calibrated over seeds ${old.calibration.seeds.join(", ")}: ` +
        `recalibrate with "check --calibrate --seeds ${old.calibration.seeds.length}" ` +
        `instead of "--update"`,
    );
  }
  const metrics: Record<string, ExpectedMetric> = {};
  const changes: string[] = [];
  for (const name of Object.keys(got).sort()) {
    const value = got[name];
    if (!Number.isFinite(value)) throw new RangeError(`metric ${name} is not finite: ${value}`);
    const before = old?.metrics[name];
    const tol = before ? { abs: before.abs, rel: before.rel } : tolerance(name);
    metrics[name] = {
      value,
      ...(tol.abs === undefined ? {} : { abs: tol.abs }),
      ...(tol.rel === undefined ? {} : { rel: tol.rel }),
    };
    if (!before) changes.push(`+ ${name}: ${value}`);
    else if (before.value !== value) changes.push(`~ ${name}: ${before.value} -> ${value}`);
  }
  for (const name of Object.keys(old?.metrics ?? {})) {
    if (!Object.hasOwn(got, name)) changes.push(`- ${name} (no longer produced)`);
  }
  return { text: `${JSON.stringify({ metrics }, null, 2)}\n`, changes };
}

/**
 * Checks (or with `update` rewrites) a target's expectations.
 *
 * @param p the project (must provide `check`)
 * @param target the resolved target
 * @param opts `update`: rewrite the file; `file`: another expectations file
 */
export async function runCheck(
  p: Project,
  target: Target,
  opts: { update?: boolean; file?: string } = {},
): Promise<CheckOutcome> {
  const s = support(p);
  const file = opts.file ?? s.expectationsFile(target);
  const got = await s.metrics(target);
  const old = await readExpectations(file);
  if (opts.update) {
    let merged: { text: string; changes: string[] };
    try {
      merged = mergeExpectations(old, got, (n) => s.tolerance(n));
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    const { text, changes } = merged;
    await Deno.mkdir(file.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(file, text);
    return { file, metrics: Object.keys(got).length, violations: [], changes };
  }
  if (old === null) {
    throw new Error(`${file} not found: create it with "check --update" after a reproduce`);
  }
  return {
    file,
    metrics: Object.keys(old.metrics).length,
    violations: checkMetrics(old, got),
    changes: [],
  };
}

/** Prints an outcome; returns the exit code (1 when a metric is out of tolerance). */
export function printCheck(o: CheckOutcome, update: boolean): number {
  if (update) {
    for (const c of o.changes) console.log(c);
    console.log(`${o.file}: wrote ${o.metrics} metrics, ${o.changes.length} change(s)`);
    return 0;
  }
  for (const v of o.violations) console.error(formatViolation(v));
  if (o.violations.length > 0) {
    console.error(`${o.violations.length} of ${o.metrics} metrics violate ${o.file}`);
    return 1;
  }
  console.log(`all ${o.metrics} metrics within tolerance of ${o.file}`);
  return 0;
}

/**
 * `check --calibrate`: reads the per-seed metrics of a target that was run with several seeds
 * and writes its expectations file with tolerances from the seed spread
 * ({@link calibrateExpectations}).
 *
 * @param p the project (must provide `check.seedMetrics`)
 * @param target the resolved target, already reproduced with two or more seeds
 * @param opts `file`: another expectations file; `sigmas` (default 4)
 */
export async function runCalibrate(
  p: Project,
  target: Target,
  opts: { file?: string; sigmas?: number } = {},
): Promise<CheckOutcome> {
  const s = support(p);
  if (!s.seedMetrics) throw new Error(`project ${p.name} cannot calibrate (no per-seed metrics)`);
  const { seeds, metrics } = await s.seedMetrics(target);
  const file = opts.file ?? s.expectationsFile(target);
  const text = calibrateExpectations(metrics, seeds, {
    floor: (n) => s.tolerance(n).abs ?? 0,
    sigmas: opts.sigmas,
  });
  await Deno.mkdir(file.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(file, text);
  return {
    file,
    metrics: Object.keys(metrics).length,
    violations: [],
    changes: [`calibrated on seeds ${seeds.join(", ")}`],
  };
}

/** `check`: the target's metrics against its expectations (when the project supports it). */
export function registerCheck(program: Command, p: Project): void {
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
}
