/**
 * Writes figures as the plot stages publish them: per figure `<dir>/<id>.vl.json` (the
 * Vega-Lite spec), `<dir>/<id>.svg` and `<dir>/<id>.png` (`figures/render.ts`).
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { Progress } from "../../pipeline/stage/mod.ts";
import { writeJson } from "../../io/json.ts";
import { renderSpec } from "../../figures/render.ts";

/** The three files of figure `id` under `dir` (relative to a stage's output folder). */
export function figureFiles(dir: string, id: string): string[] {
  return [`${dir}/${id}.vl.json`, `${dir}/${id}.svg`, `${dir}/${id}.png`];
}

/**
 * Writes each figure's spec, SVG and PNG under `outDir/dir`, reporting progress per figure.
 *
 * @param outDir the stage's output folder
 * @param figures `[id, spec]` in order, the folder inside `outDir`, the PNG zoom and progress
 * @returns PNG bytes per figure
 */
export async function writeFigures(
  outDir: string,
  figures: {
    readonly specs: readonly (readonly [string, TopLevelSpec])[];
    readonly dir: string;
    readonly pngScale: number;
    readonly progress: Progress;
    readonly label: string;
  },
): Promise<Record<string, number>> {
  const { specs, dir, progress } = figures;
  progress.start(specs.length, figures.label);
  const sizes: Record<string, number> = {};
  for (const [k, [id, spec]] of specs.entries()) {
    const [vl, svgPath, pngPath] = figureFiles(`${outDir}/${dir}`, id);
    await writeJson(vl, spec);
    const { svg, png } = await renderSpec(spec, { scale: figures.pngScale });
    await Deno.writeTextFile(svgPath, svg);
    await Deno.writeFile(pngPath, png);
    sizes[id] = png.length;
    progress.update(k + 1);
  }
  progress.stop();
  return sizes;
}
