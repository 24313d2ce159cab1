/**
 * This project's side of `amr check`: the metrics of a run are the report stage's
 * `metrics.json` (published at `<results>/metrics.json`, names in `report/metrics.ts`), the
 * expectations live in `configs/expected/<dataset>-<profile>.json`, and new metrics get
 * tolerances by family (below).
 *
 * The values below are floors: both shipped files are calibrated (`check --calibrate`, abs =
 * max(4 sd over seeds, floor)), so a floor binds only where seeds barely move a metric: Table 1
 * and POP (the same for every seed), on smoke also Table 3's VBPR drops at small eps, on
 * synthetic-pinterest/default about a third of the metrics (MF-BPR's and MF-eALS's rows among
 * them). There they absorb float32 summation-order differences (a tie flipping for one user moves a mean over
 * the smoke dataset's 300 users by 1/300) but catch real changes: counts exact, shares to 1e-9,
 * HR/NDCG means and their differences (`diff.*`, AMR - VBPR and AMR - control) to 0.004, claim
 * verdicts (`claim.*`) exactly, Table 3 relative changes to 0.01 (one flipped user moves NDCG@10 /
 * clean NDCG@10 by up to ~0.02 on smoke, rarely), mean rank changes (Figure 5) to 0.05 ranks.
 * `check --update` writes them for a metric new to an uncalibrated file.
 *
 * @module
 */
import { join } from "node:path";
import type { CheckSupport, Target, ToleranceOptions } from "../pipeline/mod.ts";
import { paperDatasetOf, paperMetrics } from "../config/paper.ts";

/** Tolerance written by `check --update` for a new metric, by its name. */
export function metricTolerance(name: string): ToleranceOptions {
  if (/^table1\.(users|items|interactions)$/.test(name)) return { abs: 0 };
  if (name.startsWith("table1.")) return { abs: 1e-9 };
  if (name.startsWith("table3.")) return { abs: 0.01 };
  if (/^figure5\..*\.mean$/.test(name)) return { abs: 0.05 };
  // A verdict (holds 1, inconclusive 0, fails -1) that no seed moved must not move.
  if (name.startsWith("claim.")) return { abs: 0 };
  if (name.endsWith(".ri")) return { abs: 0.02 };
  return { abs: 0.004 };
}

/** The expectations file of a target: `<configDir>/expected/<dataset>-<profile>[+init].json`. */
export function expectationsPath(configDir: string, target: Target): string {
  const m = target.meta as { dataset?: string; profile?: string; init?: string };
  const suffix = m.init && m.init !== "vbpr" ? `+${m.init}` : "";
  return join(configDir, "expected", `${m.dataset}-${m.profile}${suffix}.json`);
}

/** Reads `<results>/metrics.json` of a target's last reproduce. */
export function readRunMetrics(target: Target): Promise<Record<string, number>> {
  return readResultsMetrics(target.resultsDir);
}

/** Reads `metrics.json` of a published results folder; rejects with `NotFound` without one. */
export async function readResultsMetrics(resultsDir: string): Promise<Record<string, number>> {
  const path = join(resultsDir, "metrics.json");
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`${path} not found: run "reproduce" for this target first`);
    }
    throw e;
  }
  const raw = JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== "number") throw new Error(`${path}: ${k}: expected a number`);
    out[k] = v;
  }
  return out;
}

/** Reads `<results>/metrics_seeds.json` of a target run with several seeds. */
export async function readSeedMetrics(
  target: Target,
): Promise<{ seeds: number[]; metrics: Record<string, number[]> }> {
  const path = join(target.resultsDir, "metrics_seeds.json");
  let raw: { seeds?: unknown; metrics?: unknown };
  try {
    raw = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`${path} not found: run "reproduce --seeds N" (N >= 2) for this target`);
    }
    throw e;
  }
  const seeds = raw.seeds;
  if (!Array.isArray(seeds) || seeds.some((s) => typeof s !== "number")) {
    throw new Error(`${path}: seeds: expected an array of numbers`);
  }
  const metrics: Record<string, number[]> = {};
  for (const [k, v] of Object.entries((raw.metrics ?? {}) as Record<string, unknown>)) {
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number")) {
      throw new Error(`${path}: metrics.${k}: expected an array of numbers`);
    }
    metrics[k] = v as number[];
  }
  return { seeds: seeds as number[], metrics };
}

/** The project's `check` support. */
export function checkSupport(configDir: string): CheckSupport {
  return {
    description: "compare the last run's metrics with configs/expected/<dataset>-<profile>.json",
    metrics: readRunMetrics,
    resultsMetrics: readResultsMetrics,
    seedMetrics: readSeedMetrics,
    expectationsFile: (target) => expectationsPath(configDir, target),
    tolerance: metricTolerance,
    references: {
      paper: (meta) => {
        const dataset = paperDatasetOf(String(meta.dataset ?? ""));
        return dataset ? paperMetrics(dataset) : null;
      },
    },
    summary: ["table2.vbpr.hr@10", "table2.vbpr.ndcg@10", "table2.amr.hr@10", "table2.amr.ndcg@10"],
  };
}
