/**
 * What the stages that combine replicates over seeds (`seeds`, `plot-seeds`) share: their input
 * slots (the engine wires a fixed set of input names, so each per-seed file has `MAX_SEEDS`
 * slots and slots beyond the run's seeds repeat seed 0, never read) and where the figures
 * across seeds go (the tables across seeds link to them).
 *
 * @module
 */

/** Folder of the figures across seeds, in `plot-seeds`'s outputs and the published run. */
export const SEEDS_FIGURE_DIR = "figures/seeds";

/** The page with Figures 3-7 across seeds, at the top of the published run. */
export const SEEDS_FIGURE_PAGE = "figures_seeds.md";

/** Seed slots of a combining stage (the most seeds a run takes). */
export const MAX_SEEDS = 10;

/** Input name of per-seed file `what` (e.g. `table2`) for seed slot `k`. */
export function seedSlot(what: string, k: number): string {
  return `${what}_${String(k).padStart(2, "0")}`;
}

/** Every slot of per-seed file `what`. */
export function seedSlots(what: string): string[] {
  return Array.from({ length: MAX_SEEDS }, (_, k) => seedSlot(what, k));
}
