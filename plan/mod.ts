/**
 * The whole graph of a run: the data nodes first, then (with tuning) the tuning grid and
 * selections, then the models, their evaluations and Table 2, then Table 3, Figures 3-7 and
 * the report (`plan/outputs.ts`).
 */
import type { NodeSpec } from "../pipeline/graph.ts";
import type { DatasetConfig } from "../config/dataset.ts";
import type { Profile } from "../config/profile.ts";
import { dataNodes } from "./data.ts";
import { modelNodes } from "./models.ts";
import { tuneNodes } from "./tune.ts";
import { figureNodes } from "./outputs.ts";

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
