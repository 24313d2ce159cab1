/**
 * The whole graph of a run: the data nodes first, then (with tuning) the tuning grid and
 * selections, then the models, their evaluations and Table 2, then Table 3, Figures 3-7 and
 * the report (`plan_figures.ts`).
 */
import type { NodeSpec } from "../pipeline/graph.ts";
import type { DatasetConfig } from "./lib/dataset_config.ts";
import type { Profile } from "./lib/profile_config.ts";
import { dataNodes } from "./plan_data.ts";
import { modelNodes } from "./plan_models.ts";
import { tuneNodes } from "./plan_tune.ts";
import { figureNodes } from "./plan_figures.ts";

/** Builds every node for a dataset under a profile. */
export function planNodes(dataset: DatasetConfig, profile: Profile): NodeSpec[] {
  const data = dataNodes(dataset, { seed: profile.seed, negatives: profile.negatives });
  if (!profile.tune) {
    return [...data, ...modelNodes(dataset, profile), ...figureNodes(dataset, profile)];
  }
  const tune = tuneNodes(profile);
  return [
    ...data,
    ...tune.nodes,
    ...modelNodes(dataset, profile, { tuned: tune.tuned }),
    ...figureNodes(dataset, profile, { tuned: true }),
  ];
}
