/**
 * Replication over seeds (`--seeds N`, `seeds` in a profile). The final part of the graph
 * (models, evaluations, Table 2, perturb-test, sweeps, plot, report) is planned once per seed
 * with root seed `profile.seed + s`. What else each seed redraws is `--seeds-vary`: with
 * `training` (the default) the data nodes (one split, one set of test negatives) are shared;
 * with `data` the split, the negatives and Table 1 ({@link DATA_REDRAWN}) are planned per seed
 * too, their seeds derived from the replicate's root seed. The tuning nodes are always shared. Replicate 0 keeps its ids and published paths, so a one-seed run
 * is the plain run; replicate s > 0 gets ids `<id>#seed=<s>` and publishes under
 * `seeds/<s>/`. A `seeds` node combines every replicate (`stages/seeds.ts`), published to
 * `tables/table2_seeds.*`, `tables/table3_seeds.*`, `claims_seeds.*`, `metrics_seeds.json`; a
 * `plot-seeds` node draws Figures 3-7 across seeds from every replicate's `plot` data
 * (`stages/plot-seeds.ts`), published to `figures/seeds/`, `data/figures_seeds.json` and
 * `figures_seeds.md`.
 */
import type { InputRef, NodeSpec } from "../pipeline/mod.ts";
import { pickFields, type Profile } from "../config/profile.ts";
import { nodeSeed } from "./data.ts";
import type { SeedsVary } from "../config/seeds_vary.ts";
import { MAX_SEEDS, SEED_FILES, seedSlot, stage as seedsStage } from "../stages/seeds.ts";
import {
  FIGURE_DATA_SLOT,
  SEEDS_FIGURE_DIR,
  stage as plotSeedsStage,
} from "../stages/plot-seeds.ts";
import { TITLE_FIGURE_FIELDS, TITLE_RUN_FIELDS } from "../figures/registry.ts";

/**
 * The data nodes a replicate redraws under `--seeds-vary data`: the split, the test negatives
 * drawn from it, and Table 1 (its cold test share depends on the split). The dataset, the user
 * filter and the features are the same for every split and stay shared.
 */
export const DATA_REDRAWN: readonly string[] = ["split", "negatives", "table1"];

/** Id of node `id` in replicate `s` (replicate 0 keeps the id). */
export function seedNodeId(id: string, s: number): string {
  return s === 0 ? id : `${id}#seed=${s}`;
}

/**
 * Replicate `s` of a block of nodes: ids and references to nodes of the block renamed,
 * references to other nodes (data, tuning) kept, published paths moved under `seeds/<s>/`.
 *
 * @param block the nodes of the replicated part, planned with the replicate's root seed
 * @param s replicate index (0 returns the block unchanged)
 */
export function replicate(block: readonly NodeSpec[], s: number): NodeSpec[] {
  if (s === 0) return [...block];
  const ids = new Set(block.map((n) => n.id));
  const ref = (
    r: InputRef,
  ): InputRef => (ids.has(r.node) ? { ...r, node: seedNodeId(r.node, s) } : r);
  return block.map((n) => ({
    ...n,
    id: seedNodeId(n.id, s),
    inputs: Object.fromEntries(Object.entries(n.inputs).map(([k, r]) => [k, ref(r)])),
    ...(n.publish
      ? {
        publish: Object.fromEntries(
          Object.entries(n.publish).map(([o, path]) => [o, `seeds/${s}/${path}`]),
        ),
      }
      : {}),
  }));
}

/** Where each per-seed file of the `seeds` node comes from in one replicate. */
const SOURCES: Record<typeof SEED_FILES[number], InputRef> = {
  table2: { node: "table2", output: "table2.json" },
  table3: { node: "perturb-test", output: "table3.json" },
  metrics: { node: "report", output: "metrics.json" },
  claims: { node: "report", output: "claims.json" },
};

/**
 * The `seeds` node over replicates 0..n-1 with the given root seeds.
 *
 * @param dataset dataset name
 * @param rootSeeds root seed of each replicate
 * @param profileSeed the profile's root seed (for the node's own seed)
 * @param vary what each replicate redraws (said under every table)
 */
export function seedsNode(
  dataset: string,
  rootSeeds: readonly number[],
  profileSeed: number,
  vary: SeedsVary = "training",
): NodeSpec {
  if (rootSeeds.length > MAX_SEEDS) {
    throw new Error(`--seeds: at most ${MAX_SEEDS} seeds, got ${rootSeeds.length}`);
  }
  const inputs: Record<string, InputRef> = {};
  for (const what of SEED_FILES) {
    for (let k = 0; k < MAX_SEEDS; k++) {
      const src = SOURCES[what];
      inputs[seedSlot(what, k)] = {
        ...src,
        node: seedNodeId(src.node, k < rootSeeds.length ? k : 0),
      };
    }
  }
  return {
    id: "seeds",
    stage: seedsStage,
    params: { dataset, seeds: [...rootSeeds], vary },
    inputs,
    seed: nodeSeed(profileSeed, "seeds"),
    publish: {
      "table2_seeds.json": "tables/table2_seeds.json",
      "table2_seeds.md": "tables/table2_seeds.md",
      "table3_seeds.json": "tables/table3_seeds.json",
      "table3_seeds.md": "tables/table3_seeds.md",
      "claims_seeds.json": "claims_seeds.json",
      "claims_seeds.md": "claims_seeds.md",
      "metrics_seeds.json": "metrics_seeds.json",
    },
  };
}

/**
 * The `plot-seeds` node over replicates 0..n-1: Figures 3-7 across seeds from each replicate's
 * `plot` data, with the run's figure settings.
 *
 * @param dataset dataset name
 * @param rootSeeds root seed of each replicate (at least two)
 * @param profile the profile (its seed, `evalEvery` and `figures.rankEps`)
 * @param vary what each replicate redraws (said on the page)
 */
export function plotSeedsNode(
  dataset: string,
  rootSeeds: readonly number[],
  profile: Profile,
  vary: SeedsVary = "training",
): NodeSpec {
  if (rootSeeds.length > MAX_SEEDS) {
    throw new Error(`--seeds: at most ${MAX_SEEDS} seeds, got ${rootSeeds.length}`);
  }
  const inputs: Record<string, InputRef> = {};
  for (let k = 0; k < MAX_SEEDS; k++) {
    inputs[seedSlot(FIGURE_DATA_SLOT, k)] = {
      node: seedNodeId("plot", k < rootSeeds.length ? k : 0),
      output: "figures/figure_data.json",
    };
  }
  return {
    id: "plot-seeds",
    stage: plotSeedsStage,
    params: {
      dataset,
      seeds: [...rootSeeds],
      ...pickFields(profile, TITLE_RUN_FIELDS),
      ...pickFields(profile.figures, TITLE_FIGURE_FIELDS),
      vary,
    },
    inputs,
    seed: nodeSeed(profile.seed, "plot-seeds"),
    publish: Object.fromEntries(
      plotSeedsStage.outputs.map((o) => [
        o,
        o === `${SEEDS_FIGURE_DIR}/figure_data.json` ? "data/figures_seeds.json" : o,
      ]),
    ),
  };
}
