/**
 * Stage `report`: the run report as one self-contained HTML file (`report.html`: inline CSS,
 * inline SVG figures, no external URL, opens offline) and a Markdown summary (`report.md`,
 * figures linked as `figures/figureN.png`), with Tables 1-3 and Figures 3-7 beside the paper's
 * values from `configs/paper/`, the claims checklist, the provenance of each item (node, store
 * key, params, seed, duration, from the manifests of the entries behind it) and the environment.
 * Also writes `metrics.json`, the flat metric map `amr check` compares with the expectations,
 * and `claims.json`, the claims checklist with each verdict's test, p-value and interval.
 *
 * Inputs: `table1`, `table2`, `table3` (JSON), `figure_data` and `svg_figure3` ..
 * `svg_figure7` (plot stage); the per-user `metrics.npy` of `eval-amr`, `eval-vbpr` and
 * `eval-vbpr-continued` (`amr_metrics`, `vbpr_metrics`, `vbpr_continued_metrics`) and
 * `eval-amr`'s `cold.npy` (`cold`), for the lambda = 0 control beside Table 2 and its claims;
 * and, for provenance and the control's epochs, the `train_summary.json` of `amr`, `vbpr`,
 * `vbpr_continued`, `mf_bpr`, and the two sweeps' `sweep.json`; the `train_summary.json` of
 * every final trained model ({@link SUMMARY_INPUTS}) for the hyper-parameters each used, `duif`'s
 * with its manifest also for the note on DUIF's start under Table 2 (report/duif_start.ts).
 * The tuned variant (`report-tuned`) also reads `tune-compare`'s `comparison.json` (`tuning`):
 * the tuning section and, with a reference profile, its claims row (report/tuning.ts).
 */
import { z } from "zod";
import { cpus, totalmem } from "node:os";
import { defineStage, fieldIssue } from "../pipeline/stage/mod.ts";
import type { FigureData } from "../figures/specs.ts";
import {
  FIGURE_IDS,
  type FigureId,
  sweepNote,
  TITLE_FIGURE_FIELDS,
  TITLE_RUN_FIELDS,
} from "../figures/registry.ts";
import { figuresSchema, runSettingsSchema } from "../config/profile.ts";
import { buildReportHtml } from "../report/html.ts";
import { buildReportMarkdown } from "../report/markdown.ts";
import { assembleReportInput, provenanceOf, tableSources } from "../report/assemble.ts";
import { reportMetrics } from "../report/metrics.ts";
import { reportClaims } from "../report/sections.ts";
import { buildControl, controlEpochs } from "../report/control.ts";
import type { ControlSet, UserValues } from "../report/input.ts";
import { readRobustUsers } from "../report/robust_users.ts";
import { readNpy } from "../io/npy.ts";
import { metricNames, PAPER_CUTOFFS } from "../models/evaluation.ts";
import { writeJson } from "../io/json.ts";
import { ADVERSARY_NOTE } from "../models/robustness.ts";
import type { ReportItemId } from "../report/input.ts";
import { pinnedPackages } from "../config/packages.ts";
import { type HyperUsed, hyperUsedOf, noGainNote, ranSettings } from "../report/hyper_used.ts";
import { NO_GAIN } from "./lib/chosen.ts";
import { duifStartNote } from "../report/duif_start.ts";
import { CONTROL, type Method, METHODS } from "../config/methods.ts";
import { type TuningComparison, tuningComparisonSchema } from "../report/tuning.ts";

/** Input name of a figure's SVG. */
function svgInput(id: FigureId): string {
  return `svg_${id}`;
}

/** Which inputs' entries stand behind each report item. */
const PROVENANCE: Record<ReportItemId, readonly string[]> = {
  table1: ["table1"],
  table2: [
    "table2",
    "mf_bpr",
    "duif",
    "vbpr",
    "amr",
    "vbpr_continued",
    "amr_metrics",
    "vbpr_metrics",
    "vbpr_continued_metrics",
  ],
  table3: ["table3", "vbpr", "amr"],
  figure3: [svgInput("figure3"), "amr", "vbpr_continued", "mf_bpr"],
  figure4: [svgInput("figure4"), "table3", "vbpr"],
  figure5: [svgInput("figure5"), "table3", "vbpr", "amr"],
  figure6: [svgInput("figure6"), "sweep_eps"],
  figure7: [svgInput("figure7"), "sweep_lambda"],
};

/**
 * Per final trained model, the input name of its `train_summary.json` (the report's
 * "Hyper-parameters used" table: what each ran with, tuned choices included).
 */
export const SUMMARY_INPUTS: Readonly<Record<string, string>> = Object.fromEntries(
  METHODS.filter((m) => m.trained).map((m) => [m.key, m.input]),
);

/** Input name of a method's per-user metric matrix. */
function metricsInput(m: Method): string {
  return `${m.input}_metrics`;
}

/** Per method key, the input name of its per-user metric matrix (the claims' paired tests). */
export const USER_METRIC_INPUTS: Readonly<Record<string, string>> = Object.fromEntries(
  [...METHODS, CONTROL].map((m) => [m.key, metricsInput(m)]),
);

/** Input names of the per-user metric matrices of the control. */
const CONTROL_INPUTS = {
  amr: USER_METRIC_INPUTS.amr,
  continued: metricsInput(CONTROL),
  vbpr: USER_METRIC_INPUTS.vbpr,
} as const;

/** Reads the per-user values the claims test on. */
async function readUsers(
  inputs: Readonly<Record<string, string>>,
  seed: number,
): Promise<UserValues> {
  const cold = await readNpy(inputs.cold, { dtype: "uint8", shape: [null] });
  const users = cold.shape[0];
  const names = metricNames(PAPER_CUTOFFS);
  const methods: Record<string, Float32Array> = {};
  for (const [key, input] of Object.entries(USER_METRIC_INPUTS)) {
    methods[key] = (await readNpy(inputs[input], {
      dtype: "float32",
      shape: [users, names.length],
    })).data as Float32Array;
  }
  const spec = JSON.parse(await Deno.readTextFile(inputs.robust_users_columns)) as {
    columns?: unknown;
  };
  if (!Array.isArray(spec.columns) || spec.columns.some((c) => typeof c !== "string")) {
    throw new Error(`${inputs.robust_users_columns}: columns: expected an array of strings`);
  }
  const robustness = await readRobustUsers(inputs.robust_users, spec.columns, users);
  return { metrics: names, methods, cold: cold.data as Uint8Array, robustness, seed };
}

/** Reads each final model's `train_summary.json` into its "Hyper-parameters used" row. */
async function readHyperUsed(inputs: Readonly<Record<string, string>>): Promise<HyperUsed[]> {
  const out: HyperUsed[] = [];
  for (const [model, input] of Object.entries(SUMMARY_INPUTS)) {
    const path = inputs[input];
    out.push(hyperUsedOf(model, JSON.parse(await Deno.readTextFile(path)), path));
  }
  return out;
}

/** Reads the three evaluations and the cold flags into the lambda = 0 control. */
async function readControl(
  inputs: Readonly<Record<string, string>>,
  manifests: Parameters<typeof controlEpochs>[1],
): Promise<ControlSet> {
  const summary = async (name: string) => JSON.parse(await Deno.readTextFile(inputs[name]));
  const summaries = {
    amr: await summary("amr"),
    vbpr: await summary("vbpr"),
    vbpr_continued: await summary("vbpr_continued"),
  };
  const cold = await readNpy(inputs.cold, { dtype: "uint8", shape: [null] });
  const users = cold.shape[0];
  const width = metricNames(PAPER_CUTOFFS).length;
  const read = async (name: string) =>
    (await readNpy(inputs[name], { dtype: "float32", shape: [users, width] })).data as Float32Array;
  return buildControl(
    {
      amr: await read(CONTROL_INPUTS.amr),
      continued: await read(CONTROL_INPUTS.continued),
      vbpr: await read(CONTROL_INPUTS.vbpr),
    },
    cold.data as Uint8Array,
    { epochs: controlEpochs(summaries, manifests) },
  );
}

/** The epochs and fixed values of a `sweep.json` (stages/sweep.ts), for the figure note. */
const sweepFactsSchema = z.object({
  epochs: z.number().int().min(0),
  fixed: z.record(z.string(), z.number()),
}).passthrough();

function sweepFacts(json: unknown): { epochs: number; fixed: Record<string, number> } {
  const { epochs, fixed } = sweepFactsSchema.parse(json);
  return { epochs, fixed };
}

/**
 * The run metadata under the title: the planned lines (profile, seed, command, overrides) with
 * AMR's epochs, eps and lambda and the sweeps' epochs read from what ran inserted after the
 * seed (report/hyper_used.ts).
 */
async function runHeader(
  planned: Readonly<Record<string, string | number | boolean>>,
  inputs: Readonly<Record<string, string>>,
): Promise<Record<string, string | number | boolean>> {
  const at = async (name: string) => ({
    json: JSON.parse(await Deno.readTextFile(inputs[name])),
    where: inputs[name],
  });
  const ran = ranSettings(await at("amr"), [await at("sweep_eps"), await at("sweep_lambda")]);
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(planned)) {
    out[k] = v;
    if (k === "seed") Object.assign(out, ran);
  }
  return "seed" in planned ? out : { ...ran, ...out };
}

function environment(runtime: Record<string, string>): Record<string, string> {
  const cpu = cpus();
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    cpu: `${cpu.length} x ${cpu[0]?.model ?? "unknown"}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    ...Object.fromEntries(Object.entries(runtime).map(([k, v]) => [`runtime ${k}`, v])),
    ...Object.fromEntries(Object.entries(pinnedPackages()).map(([k, v]) => [`package ${k}`, v])),
  };
}

const REPORT_INPUTS: readonly string[] = [
  "table1",
  "table2",
  "table3",
  "figure_data",
  ...FIGURE_IDS.map(svgInput),
  ...Object.values(SUMMARY_INPUTS),
  "vbpr_continued",
  "sweep_eps",
  "sweep_lambda",
  ...new Set(Object.values(USER_METRIC_INPUTS)),
  "cold",
  "robust_users",
  "robust_users_columns",
];

/** Reads a tuned run's `comparison.json` (stage `tune-compare`). */
async function readTuning(path: string): Promise<TuningComparison> {
  const parsed = tuningComparisonSchema.safeParse(JSON.parse(await Deno.readTextFile(path)));
  if (!parsed.success) throw new Error(`${path}: ${fieldIssue(parsed.error.issues[0])}`);
  return parsed.data;
}

/** The report stage: untuned (`report`) or tuned (`report-tuned`, with input `tuning`). */
const reportStage = (tuned: boolean) =>
  defineStage({
    name: tuned ? "report-tuned" : "report",
    module: import.meta.url,
    params: z.object({
      /** Report title. */
      title: z.string(),
      /** Dataset name of the run. */
      dataset: z.string(),
      /** Paper dataset compared against (null: none). */
      paperDataset: z.string().nullable(),
      /** Run metadata shown under the title (profile, seed, ...). */
      run: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
      /** The settings the figures' titles and captions name (figures/registry.ts). */
      ...runSettingsSchema.pick(TITLE_RUN_FIELDS).shape,
      ...figuresSchema.pick(TITLE_FIGURE_FIELDS).shape,
      /** The resolved profile, each value with its source (absent: not shown). */
      configuration: z.array(
        z.object({ path: z.string(), value: z.string(), source: z.string() }).strict(),
      ).optional(),
    }).strict(),
    inputs: tuned ? [...REPORT_INPUTS, "tuning"] : REPORT_INPUTS,
    outputs: ["report.html", "report.md", "metrics.json", "claims.json"],
    inputManifests: true,
    async run(ctx): Promise<Record<string, unknown>> {
      const p = ctx.params;
      const read = async (name: string) => JSON.parse(await Deno.readTextFile(ctx.inputs[name]));
      const manifests = ctx.inputManifests ?? {};
      const hyperUsed = await readHyperUsed(ctx.inputs);
      const amrEpochs = (await read("amr") as { epochs: number }).epochs;
      const amrManifest = manifests.amr;
      const input = assembleReportInput({
        table1: await read("table1"),
        table2: await read("table2"),
        table3: await read("table3"),
        figureData: await read("figure_data") as FigureData,
        control: await readControl(ctx.inputs, manifests),
      }, {
        users: await readUsers(ctx.inputs, ctx.rng.seed),
        title: `AMR reproduction: ${p.dataset}`,
        dataset: p.dataset,
        paperDataset: p.paperDataset,
        figureSettings: { evalEvery: p.evalEvery, rankEps: p.rankEps },
        // When its inputs were made (the latest start among them), never the clock: the report
        // is bit-deterministic, so `verify --bundle` can rerun it and compare bytes.
        createdAt: Object.values(manifests).map((m) => m.startedAt).sort().at(-1) ?? "unknown",
        run: await runHeader(p.run, ctx.inputs),
        environment: environment(amrManifest?.runtime ?? {}),
        provenance: provenanceOf(manifests, PROVENANCE, ["sweep_eps", "sweep_lambda"]),
        sources: tableSources(manifests, { table1: "table1", table2: "table2", table3: "table3" }),
        ...(p.configuration ? { configuration: p.configuration } : {}),
        ...(tuned ? { tuning: await readTuning(ctx.inputs.tuning) } : {}),
        hyperUsed,
        notes: {
          table2: [
            duifStartNote(await read("duif"), manifests.duif),
            noGainNote(hyperUsed, NO_GAIN),
          ]
            .filter((t) => t !== "").join(" "),
          table3: ADVERSARY_NOTE,
          figure4: ADVERSARY_NOTE,
          figure5: ADVERSARY_NOTE,
          figure3: "AMR and VBPR both start from the same trained VBPR weights; VBPR is trained " +
            "on with AMR's learning rates and L2 weights but no adversary (lambda = 0) for as " +
            "many epochs as AMR.",
          figure6: sweepNote({ ...sweepFacts(await read("sweep_eps")), amrEpochs }),
          figure7: sweepNote({ ...sweepFacts(await read("sweep_lambda")), amrEpochs }),
        },
      });
      const svgs: Partial<Record<FigureId, string>> = {};
      for (const id of FIGURE_IDS) svgs[id] = await Deno.readTextFile(ctx.inputs[svgInput(id)]);
      await Deno.writeTextFile(`${ctx.outDir}/report.html`, await buildReportHtml(input, { svgs }));
      await Deno.writeTextFile(`${ctx.outDir}/report.md`, buildReportMarkdown(input));
      const metrics = reportMetrics(input);
      await writeJson(`${ctx.outDir}/metrics.json`, metrics);
      await writeJson(`${ctx.outDir}/claims.json`, reportClaims(input));
      return { metrics: Object.keys(metrics).length };
    },
  });

/** The report stage of an untuned run. */
export const stage = reportStage(false);

/** The report stage of a tuned run: also shows the tuning choices and their comparison. */
export const tunedStage = reportStage(true);
