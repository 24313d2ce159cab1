/**
 * `--init official-vbpr`: AMR starts from the authors' pretrained VBPR (as their `run.sh` does)
 * instead of the VBPR trained here. Adds an `official-vbpr` node (stage `official-vbpr`) and
 * rewires the `amr` node's `init_P`, `init_Q`, `init_E` to it; every other node is unchanged.
 */
import type { NodeSpec } from "../pipeline/graph.ts";
import { nodeSeed } from "./data.ts";
import { stage as officialStage } from "../stages/official-vbpr.ts";

/** Where AMR's starting weights come from. */
export type AmrInit = "vbpr" | "official-vbpr";

/** The accepted `--init` values. */
export const AMR_INITS: readonly AmrInit[] = ["vbpr", "official-vbpr"];

/** The authors' weights file to start AMR from. */
export interface OfficialWeightsRef {
  /** Absolute path of `best-vbpr.npy`. */
  path: string;
  /** Its SHA-256. */
  sha256: string;
}

/** Returns `nodes` with AMR initialised from the authors' weights (see the module comment). */
export function withOfficialInit(
  nodes: NodeSpec[],
  weights: OfficialWeightsRef,
  opts: { seed: number; k: number },
): NodeSpec[] {
  const amr = nodes.find((n) => n.id === "amr");
  if (!amr) throw new Error("--init official-vbpr: the plan has no amr node");
  const official: NodeSpec = {
    id: "official-vbpr",
    stage: officialStage,
    params: { path: weights.path, sha256: weights.sha256, k: opts.k },
    inputs: {
      item_map: { node: "filter-users", output: "item_map.csv" },
      test: { node: "split", output: "test.npy" },
      features: { node: "features", output: "features.npy" },
    },
    seed: nodeSeed(opts.seed, "official-vbpr"),
  };
  const rewired: NodeSpec = {
    ...amr,
    inputs: {
      ...amr.inputs,
      init_P: { node: "official-vbpr", output: "P.npy" },
      init_Q: { node: "official-vbpr", output: "Q.npy" },
      init_E: { node: "official-vbpr", output: "E.npy" },
    },
  };
  return nodes.flatMap((n) => (n.id === "amr" ? [official, rewired] : [n]));
}
