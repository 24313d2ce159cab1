/**
 * Stage `sweep`: one hyper-parameter of AMR against test HR@10 and NDCG@10 (paper sec. 4.4,
 * Figure 6 for eps and Figure 7 for lambda), from the `summary.json` of one evaluation node
 * per grid point, all other hyper-parameters fixed.
 *
 * Inputs: `run00` .. `run15` (each run's evaluation `summary.json`) and `train00` ..
 * `train15` (the same run's training `train_summary.json`) in the order of the `runs` param.
 * The engine wires a fixed set of input names, so a sweep of fewer than 16 points wires the
 * unused slots to its first run; they are never read. The fixed hyper-parameters and the
 * epochs in `sweep.json` are read from the runs' training summaries (what the runs actually
 * used, e.g. a tuning selection's choice), and every run must agree on them and carry its
 * swept value. Outputs: `sweep.csv` (value, hr@10, ndcg@10), `sweep.json`.
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { writeJson } from "../io/json.ts";
import { toCsv } from "../tables/format.ts";
import { fmt } from "../tables/numbers.ts";

/** Input slots of a sweep (the most points it takes). */
export const MAX_SWEEP_POINTS = 16;

/** Input name of slot `k` (`run00`, `run01`, ...). */
export function sweepSlot(k: number): string {
  return `run${String(k).padStart(2, "0")}`;
}

/** Input name of the training summary of slot `k` (`train00`, `train01`, ...). */
export function sweepTrainSlot(k: number): string {
  return `train${String(k).padStart(2, "0")}`;
}

const trainSummary = z.object({
  epochs: z.number().int(),
  hyper: z.object({ eps: z.number(), lambda: z.number() }).passthrough(),
}).passthrough();

/** The other sweep parameter (held fixed). */
function otherParameter(parameter: "eps" | "lambda"): "eps" | "lambda" {
  return parameter === "eps" ? "lambda" : "eps";
}

const evalSummary = z.object({
  overall: z.object({
    users: z.number(),
    values: z.object({ "hr@10": z.number(), "ndcg@10": z.number() }).passthrough(),
  }).passthrough(),
}).passthrough();

/** One point of `sweep.json`. */
export interface SweepPoint {
  /** Node that produced it. */
  label: string;
  /** The swept value. */
  value: number;
  /** Test HR@10. */
  hr10: number;
  /** Test NDCG@10. */
  ndcg10: number;
}

/** Contents of `sweep.json`. */
export interface SweepJson {
  /** Swept hyper-parameter. */
  parameter: "eps" | "lambda";
  /** The other hyper-parameters, fixed. */
  fixed: Record<string, number>;
  /** Training epochs of each run (started from VBPR's weights). */
  epochs: number;
  /** Points in increasing value. */
  points: SweepPoint[];
}

/** The sweep stage. */
export const stage = defineStage({
  name: "sweep",
  module: import.meta.url,
  params: z.object({
    parameter: z.enum(["eps", "lambda"]),
    runs: z.array(z.object({ label: z.string(), value: z.number() }).strict())
      .min(1).max(MAX_SWEEP_POINTS),
  }).strict(),
  inputs: Array.from({ length: MAX_SWEEP_POINTS }, (_, k) => [sweepSlot(k), sweepTrainSlot(k)])
    .flat(),
  outputs: ["sweep.csv", "sweep.json"],
  async run(ctx): Promise<Record<string, unknown>> {
    const { parameter, runs } = ctx.params;
    const points: SweepPoint[] = [];
    const other = otherParameter(parameter);
    let fixed: Record<string, number> | undefined;
    let epochs: number | undefined;
    for (let k = 0; k < runs.length; k++) {
      const trainPath = ctx.inputs[sweepTrainSlot(k)];
      const t = trainSummary.safeParse(JSON.parse(await Deno.readTextFile(trainPath)));
      if (!t.success) {
        const i = t.error.issues[0];
        throw new Error(
          `${runs[k].label}: ${trainPath}: field "${i.path.join(".")}": ${i.message}`,
        );
      }
      const used = t.data.hyper;
      if (used[parameter] !== runs[k].value) {
        throw new Error(
          `${runs[k].label}: trained with ${parameter} = ${used[parameter]}, planned ${
            runs[k].value
          }`,
        );
      }
      fixed ??= { [other]: used[other] };
      epochs ??= t.data.epochs;
      if (fixed[other] !== used[other] || epochs !== t.data.epochs) {
        throw new Error(
          `${runs[k].label}: ${other} = ${used[other]}, ${t.data.epochs} epochs; the first run ` +
            `used ${other} = ${fixed[other]}, ${epochs} epochs (a sweep holds them fixed)`,
        );
      }
      const path = ctx.inputs[sweepSlot(k)];
      const parsed = evalSummary.safeParse(JSON.parse(await Deno.readTextFile(path)));
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new Error(`${runs[k].label}: ${path}: field "${i.path.join(".")}": ${i.message}`);
      }
      const v = parsed.data.overall.values;
      points.push({
        label: runs[k].label,
        value: runs[k].value,
        hr10: v["hr@10"],
        ndcg10: v["ndcg@10"],
      });
    }
    points.sort((a, b) => a.value - b.value);
    const out: SweepJson = { parameter, fixed: fixed!, epochs: epochs!, points };
    await writeJson(`${ctx.outDir}/sweep.json`, out);
    await Deno.writeTextFile(
      `${ctx.outDir}/sweep.csv`,
      toCsv({
        header: [parameter, "hr@10", "ndcg@10"],
        rows: points.map((q) => [q.value, q.hr10, q.ndcg10]),
      }),
    );
    const best = points.reduce((a, b) => (b.ndcg10 > a.ndcg10 ? b : a));
    ctx.log(`best ${parameter} by test NDCG@10: ${best.value} (${fmt(best.ndcg10)})`);
    return { parameter, best: best.value, points: points.length };
  },
});
