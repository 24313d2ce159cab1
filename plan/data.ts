/**
 * The data part of the graph: dataset -> filter-users -> split -> negatives, features, table1.
 */
import { hashLabel, type NodeSpec } from "../pipeline/mod.ts";
import type { DatasetConfig } from "../config/dataset.ts";
import { stage as datasetStage } from "../stages/dataset.ts";
import { stage as filterStage } from "../stages/filter-users.ts";
import { stage as splitStage } from "../stages/split.ts";
import { stage as negativesStage } from "../stages/negatives.ts";
import { stage as featuresStage } from "../stages/features.ts";
import { stage as table1Stage } from "../stages/table1.ts";
import { authorsDataNodes } from "./authors.ts";
import { paperDatasetOf } from "../config/paper.ts";
import { DEFAULT_NEGATIVES } from "../config/protocol.ts";

/** Options for `dataNodes`. */
export interface DataNodeOptions {
  /** Base seed; each node's seed is derived from it and the node id. */
  seed: number;
  /** Negatives per user (default `DEFAULT_NEGATIVES`, 999). */
  negatives?: number;
}

/** Seed of node `id` under base seed `seed`. */
export function nodeSeed(seed: number, id: string): number {
  return (hashLabel(`${seed >>> 0}:${id}`) || 1) >>> 0;
}

/** The data nodes for one dataset: ids "dataset", "filter-users", "split", "negatives",
 * "features", "table1"; Table 1 is published to `tables/table1.csv` and `tables/table1.md`.
 * A pre-split (`authors-split`) dataset gets the same ids from `plan/authors.ts`. */
export function dataNodes(dataset: DatasetConfig, opts: DataNodeOptions): NodeSpec[] {
  const seed = (id: string): number => nodeSeed(opts.seed, id);
  if (dataset.kind === "authors-split") {
    return authorsDataNodes(dataset, { seedOf: seed, paper: paperDatasetOf(dataset.name) });
  }
  return [
    { id: "dataset", stage: datasetStage, params: dataset, inputs: {}, seed: seed("dataset") },
    {
      id: "filter-users",
      stage: filterStage,
      params: { minPerUser: dataset.minPerUser },
      inputs: {
        interactions: { node: "dataset", output: "interactions.csv" },
        features: { node: "dataset", output: "features.npy" },
      },
      seed: seed("filter-users"),
    },
    {
      id: "split",
      stage: splitStage,
      params: {},
      inputs: { interactions: { node: "filter-users", output: "interactions.npy" } },
      seed: seed("split"),
    },
    {
      id: "negatives",
      stage: negativesStage,
      params: { count: opts.negatives ?? DEFAULT_NEGATIVES },
      inputs: {
        train: { node: "split", output: "train.npy" },
        validation: { node: "split", output: "validation.npy" },
        test: { node: "split", output: "test.npy" },
        item_map: { node: "filter-users", output: "item_map.csv" },
      },
      seed: seed("negatives"),
    },
    {
      id: "features",
      stage: featuresStage,
      params: {},
      inputs: {
        features: { node: "dataset", output: "features.npy" },
        item_map: { node: "filter-users", output: "item_map.csv" },
      },
      seed: seed("features"),
    },
    {
      id: "table1",
      stage: table1Stage,
      params: { dataset: dataset.name, paper: paperDatasetOf(dataset.name) },
      inputs: {
        interactions: { node: "filter-users", output: "interactions.npy" },
        train: { node: "split", output: "train.npy" },
        validation: { node: "split", output: "validation.npy" },
        test: { node: "split", output: "test.npy" },
        item_map: { node: "filter-users", output: "item_map.csv" },
      },
      seed: seed("table1"),
      publish: { "table1.csv": "tables/table1.csv", "table1.md": "tables/table1.md" },
    },
  ];
}
