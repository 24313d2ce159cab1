/**
 * The whole graph of a run: the data nodes first, then (with tuning) the tuning grid and
 * selections, then the models, their evaluations and Table 2, then Table 3, Figures 3-7 and
 * the report (`plan/outputs.ts`).
 */
import type { NodeSpec } from "../pipeline/mod.ts";
import type { DatasetConfig } from "../config/dataset.ts";
import { type Profile, type ProfileSpec, withInherited } from "../config/profile.ts";
import { dataNodes } from "./data.ts";
import { modelNodes } from "./models.ts";
import { tuneNodes } from "./tune.ts";
import { figureNodes, type RunRequest } from "./outputs.ts";
import { DATA_REDRAWN, plotSeedsNode, replicate, seedsNode } from "./seeds.ts";
import type { SeedsVary } from "../config/seeds_vary.ts";
import type { TuningReference } from "../stages/tune-compare.ts";

/** Options of {@link planNodes}. */
export interface PlanOptions {
  /** Seeds to replicate the final part over (default: the profile's `seeds`). */
  seeds?: number;
  /** What each replicate redraws besides training (default `training`: nothing). */
  seedsVary?: SeedsVary;
  /** How the run was asked for (profile argument, `--set` overrides), for the report. */
  run?: RunRequest;
  /** The choices of the profile `tune.reference` names, read from the store (plan/reference.ts). */
  reference?: TuningReference | null;
}

export type { RunRequest } from "./outputs.ts";

/**
 * Builds every node for a dataset under a profile (see `plan/seeds.ts` for seeds); AMR's
 * `"inherit"` values are resolved first (`withInherited`).
 */
export function planNodes(
  dataset: DatasetConfig,
  spec: ProfileSpec,
  opts: PlanOptions = {},
): NodeSpec[] {
  // AMR's "inherit" becomes VBPR's values here, after every override, for every planner below.
  const profile = withInherited(spec);
  if (profile.vbprForm === "eq2") {
    // AMR is planned in the paper's eq. 4 form only: started from an eq. 2 VBPR it would copy
    // P, Q and E and silently drop H, so the pair is refused here rather than mis-run.
    throw new Error(
      `profile ${profile.name}: vbprForm "eq2" cannot be combined with AMR (AMR is eq. 4 ` +
        `only; it would drop eq. 2 VBPR's H); use vbprForm "eq4"`,
    );
  }
  const vary = opts.seedsVary ?? "training";
  if (vary === "data" && dataset.kind === "authors-split") {
    throw new Error(
      `--seeds-vary data: dataset ${dataset.name} is ${dataset.kind}: its split and test ` +
        "negatives are the authors' files, there is nothing to redraw; use --seeds-vary training",
    );
  }
  const dataOf = (seed: number) => dataNodes(dataset, { seed, negatives: profile.negatives });
  const data = dataOf(profile.seed);
  const tune = profile.tune ? tuneNodes(profile, opts.reference) : undefined;
  const finals = (p: Profile): NodeSpec[] => [
    ...modelNodes(dataset, p, tune ? { tuned: tune.tuned } : {}),
    ...figureNodes(dataset, p, { ...(tune ? { tuned: tune.tuned.amr } : {}), run: opts.run }),
  ];
  const seeds = opts.seeds ?? profile.seeds;
  const nodes = [...data, ...(tune?.nodes ?? [])];
  const rootSeeds: number[] = [];
  for (let s = 0; s < seeds; s++) {
    const root = profile.seed + s;
    rootSeeds.push(root);
    // Replicate 0 uses the shared data nodes (the plain run); under `data` a later replicate
    // plans its own split, negatives and Table 1 from its root seed.
    const redrawn = vary === "data" && s > 0
      ? dataOf(root).filter((n) => DATA_REDRAWN.includes(n.id))
      : [];
    nodes.push(...replicate([...redrawn, ...finals({ ...profile, seed: root })], s));
  }
  if (seeds > 1) {
    nodes.push(
      seedsNode(dataset.name, rootSeeds, profile.seed, vary),
      plotSeedsNode(dataset.name, rootSeeds, profile, vary),
    );
  }
  return nodes;
}
