/**
 * Stage `plot-seeds`: Figures 3-7 across seeds (`--seeds N`), with the spread. Every replicate's
 * `plot` node writes its plotted data (`figures/figure_data.json`); this stage combines them as
 * `report/seeds_figures.ts` describes (mean over seeds and the 95% Student-t interval of
 * `report/seeds.ts`'s `seedStat`, per-seed values kept; Figure 5 one box per seed) and draws
 * them with `figures/seeds.ts`.
 *
 * Inputs: per seed slot `k`, `figure_data_00`, `figure_data_01`, ... (slots beyond the seeds
 * repeat seed 0 and are never read; `stages/lib/seed_slots.ts`).
 * Outputs: `figures/seeds/figureN.{vl.json,svg,png}`, `figures/seeds/figure_data.json` (the
 * combined data) and `figures_seeds.md` (the five figures on one page, with how seeds are
 * combined in each).
 */
import { z } from "zod";
import { figuresSchema, runSettingsSchema } from "../config/profile.ts";
import { defineStage } from "../pipeline/stage/mod.ts";
import { writeJson } from "../io/json.ts";
import type { FigureData } from "../figures/specs.ts";
import { FIGURE_IDS, TITLE_FIGURE_FIELDS, TITLE_RUN_FIELDS } from "../figures/registry.ts";
import { seedsFigureSpec, spreadNotes } from "../figures/seeds.ts";
import { figureDataAcrossSeeds } from "../report/seeds_figures.ts";
import { seedsScope } from "../report/seeds.ts";
import { SEEDS_VARY } from "../config/seeds_vary.ts";
import { figureFiles, writeFigures } from "./lib/figure_files.ts";
import {
  MAX_SEEDS,
  SEEDS_FIGURE_DIR,
  SEEDS_FIGURE_PAGE,
  seedSlot,
  seedSlots,
} from "./lib/across_seeds.ts";

export { SEEDS_FIGURE_DIR };
/** The per-seed input of the stage (slot prefix). */
export const FIGURE_DATA_SLOT = "figure_data";

/** Output files of the stage. */
export const PLOT_SEEDS_OUTPUTS: readonly string[] = [
  ...FIGURE_IDS.flatMap((id) => figureFiles(SEEDS_FIGURE_DIR, id)),
  `${SEEDS_FIGURE_DIR}/figure_data.json`,
  SEEDS_FIGURE_PAGE,
];

/** The plot-seeds stage. */
export const stage = defineStage({
  name: "plot-seeds",
  module: import.meta.url,
  params: z.object({
    /** Dataset name, shown in each figure's subtitle. */
    dataset: z.string(),
    /** Root seed of each replicate, in slot order. */
    seeds: z.array(z.number().int().min(0)).min(2).max(MAX_SEEDS),
    /** The settings the titles name (figures/registry.ts). */
    ...runSettingsSchema.pick(TITLE_RUN_FIELDS).shape,
    ...figuresSchema.pick(TITLE_FIGURE_FIELDS).shape,
    /** What each seed redraws (`--seeds-vary`). */
    vary: z.enum(SEEDS_VARY).default("training"),
    /** PNG zoom. */
    pngScale: z.number().positive().default(2),
  }).strict(),
  inputs: seedSlots(FIGURE_DATA_SLOT),
  outputs: PLOT_SEEDS_OUTPUTS,
  async run(ctx): Promise<Record<string, unknown>> {
    const p = ctx.params;
    const perSeed = await Promise.all(
      p.seeds.map(async (_, k) => {
        const path = ctx.inputs[seedSlot(FIGURE_DATA_SLOT, k)];
        return JSON.parse(await Deno.readTextFile(path)) as FigureData;
      }),
    );
    const data = figureDataAcrossSeeds(perSeed, p.seeds);
    await writeJson(`${ctx.outDir}/${SEEDS_FIGURE_DIR}/figure_data.json`, data);
    const specs = FIGURE_IDS.map((id) => {
      const spec = seedsFigureSpec(id, data, { dataset: p.dataset, settings: p });
      if (!spec) throw new Error(`plot-seeds: the seeds' figure_data.json have no ${id}`);
      return [id, spec] as const;
    });
    const sizes = await writeFigures(ctx.outDir, {
      specs,
      dir: SEEDS_FIGURE_DIR,
      pngScale: p.pngScale,
      progress: ctx.progress,
      label: "plot-seeds",
    });
    const page = [
      `# Figures 3-7 over ${p.seeds.length} seeds (${p.seeds.join(", ")}), ${p.dataset}`,
      "",
      `Each point is the mean over seeds of the per-seed value, with the ${data.interval} ` +
      "and every seed's value; Figure 5 shows one box per seed. Per-seed figures: " +
      "`figures/` (seed " + `${p.seeds[0]}) and \`seeds/<s>/figures/\`.`,
      "",
      `_${seedsScope(p.vary)}_`,
      "",
      ...specs.flatMap(([id, spec]) => {
        const [vl, svg, png] = figureFiles(SEEDS_FIGURE_DIR, id);
        return [
          `## ${(spec.title as { text: string }).text}`,
          "",
          `![${id} across seeds](${png})`,
          "",
          `${spreadNotes(id, data).join("; ")}. [SVG](${svg}) · [PNG](${png}) · ` +
          `[Vega-Lite](${vl})`,
          "",
          `_${seedsScope(p.vary)}_`,
          "",
        ];
      }),
    ];
    await Deno.writeTextFile(`${ctx.outDir}/${SEEDS_FIGURE_PAGE}`, page.join("\n"));
    return { seeds: p.seeds.length, figures: specs.length, pngBytes: sizes };
  },
});
