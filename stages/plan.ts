/**
 * The whole graph of a run: the data nodes first, then (with tuning) the tuning grid and
 * selections, then the models, their evaluations and Table 2.
 */
import type { NodeSpec } from "../pipeline/graph.ts";
import type { DatasetConfig } from "./lib/dataset_config.ts";
import type { Profile } from "./lib/profile_config.ts";
import { dataNodes } from "./plan_data.ts";
import { modelNodes } from "./plan_models.ts";

/** Builds every node for a dataset under a profile. */
export function planNodes(dataset: DatasetConfig, profile: Profile): NodeSpec[] {
  return [
    ...dataNodes(dataset, { seed: profile.seed, negatives: profile.negatives }),
    ...modelNodes(dataset, profile),
  ];
}
