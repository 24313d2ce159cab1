/**
 * Stage `plot`: the paper's Figures 3-7 as Vega-Lite specs (kept as `figures/figureN.vl.json`),
 * rendered offline to `figures/figureN.svg` and `figures/figureN.png` (`lib/figure_files.ts`), plus
 * `figures/figure_data.json`, the plotted data in one file (the report reads it).
 *
 * - Figure 3: test HR@10 / NDCG@10 every `evalEvery` epochs of AMR (`amr_curve`) and of VBPR
 *   continued from the same VBPR weights (`vbpr_curve`), MF-BPR's level (`mf_summary`) as a line.
 * - Figure 4: `perturb-test`'s `figure4.json`.
 * - Figure 5: `rank_change_vbpr`, `rank_change_amr`.
 * - Figures 6 and 7: the `sweep` stage's `sweep.json` over eps (`sweep_eps`) and lambda
 *   (`sweep_lambda`).
 */
import { z } from "zod";
import { figuresSchema, runSettingsSchema } from "../config/profile.ts";
import { defineStage } from "../pipeline/stage/mod.ts";
import { readNpy } from "../io/npy.ts";
import { parseCurveCsv } from "../io/curve.ts";
import { writeJson } from "../io/json.ts";
import { type FigureData, figureSpec } from "../figures/specs.ts";
import { FIGURE_IDS, TITLE_FIGURE_FIELDS, TITLE_RUN_FIELDS } from "../figures/registry.ts";
import { methodName, OURS } from "../config/methods.ts";
import { figureFiles, writeFigures } from "./lib/figure_files.ts";
import {
  curvePoints,
  epsPoints,
  lambdaPoints,
  perturbationPoints,
  rankChangeEntries,
  summaryLevel,
} from "../figures/data.ts";

/** Output files of the plot stage. */
export const PLOT_OUTPUTS: readonly string[] = [
  ...FIGURE_IDS.flatMap((id) => figureFiles("figures", id)),
  "figures/figure_data.json",
];

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(path));
}

async function readChanges(path: string): Promise<Float32Array> {
  return (await readNpy(path, { dtype: "float32", shape: [null] })).data as Float32Array;
}

/** The plot stage. */
export const stage = defineStage({
  name: "plot",
  module: import.meta.url,
  params: z.object({
    /** Dataset name, shown in each figure's subtitle. */
    dataset: z.string(),
    /** The settings the titles name (figures/registry.ts). */
    ...runSettingsSchema.pick(TITLE_RUN_FIELDS).shape,
    ...figuresSchema.pick(TITLE_FIGURE_FIELDS).shape,
    /** PNG zoom. */
    pngScale: z.number().positive().default(2),
  }).strict(),
  inputs: [
    "amr_curve",
    "vbpr_curve",
    "mf_summary",
    "figure4",
    "rank_change_vbpr",
    "rank_change_amr",
    "sweep_eps",
    "sweep_lambda",
  ],
  outputs: PLOT_OUTPUTS,
  async run(ctx): Promise<Record<string, unknown>> {
    const inp = ctx.inputs;
    const p = ctx.params;
    const curve = async (path: string) => parseCurveCsv(await Deno.readTextFile(path), path);
    // As in the paper, Figure 3 labels the lambda = 0 control (continued VBPR) "VBPR".
    const [amr, vbpr] = [OURS.name, methodName("vbpr")];
    const data: FigureData = {
      figure3: {
        curves: [
          ...curvePoints(amr, await curve(inp.amr_curve)),
          ...curvePoints(vbpr, await curve(inp.vbpr_curve)),
        ],
        mfLevel: summaryLevel(await readJson(inp.mf_summary), inp.mf_summary),
      },
      figure4: perturbationPoints(
        await readJson(inp.figure4) as Parameters<typeof perturbationPoints>[0],
      ),
      figure5: {
        rankChanges: [
          ...rankChangeEntries(vbpr, await readChanges(inp.rank_change_vbpr)),
          ...rankChangeEntries(amr, await readChanges(inp.rank_change_amr)),
        ],
      },
      figure6: {
        points: epsPoints(await readJson(inp.sweep_eps) as Parameters<typeof epsPoints>[0]),
      },
      figure7: {
        points: lambdaPoints(
          await readJson(inp.sweep_lambda) as Parameters<typeof lambdaPoints>[0],
        ),
      },
    };
    await writeJson(`${ctx.outDir}/figures/figure_data.json`, data);
    const sizes = await writeFigures(ctx.outDir, {
      specs: FIGURE_IDS.map((
        id,
      ) => [id, figureSpec(id, data, { dataset: p.dataset, settings: p })!]),
      dir: "figures",
      pngScale: p.pngScale,
      progress: ctx.progress,
      label: "plot",
    });
    return { figures: FIGURE_IDS.length, pngBytes: sizes };
  },
});
