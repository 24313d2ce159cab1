/**
 * The whole graph of a run: the data nodes, then (as they land) models, evaluation and tables.
 */
import type { NodeSpec } from "../pipeline/graph.ts";
import type { DatasetConfig } from "./lib/dataset_config.ts";
import type { Profile } from "./lib/profile_config.ts";
import { dataNodes } from "./plan_data.ts";

/** Builds every node for a dataset under a profile. */
export function planNodes(dataset: DatasetConfig, profile: Profile): NodeSpec[] {
  return [...dataNodes(dataset, { seed: profile.seed, negatives: profile.negatives })];
}
