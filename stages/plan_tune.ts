/**
 * The tuning part of the graph (profiles with `tune` set; paper sec. 4.1.4), all in phase
 * `tune` (trained without the validation pairs, evaluated on validation):
 *
 * 1. Grids `tune-<model>@lr=..,l2=..` for MF-BPR, DUIF and VBPR, each followed by a
 *    `select-<model>` node (stages/tune.ts) writing `chosen.json`. The paper tunes one learning
 *    rate and one "L2 regularizer"; our models have three of each ([P, Q, E], authors' run.sh),
 *    so a grid point sets all three learning rates to `lr` and all three L2 weights to `l2`
 *    ({@link gridHyper}).
 * 2. `tune-mf-bpr@chosen` retrains MF-BPR with its choice (epochs = the best epoch); its P and
 *    Q start every VBPR grid run (Algorithm 1). Likewise `tune-vbpr@chosen` starts AMR.
 * 3. `tune-amr@eps=..`: AMR with VBPR's chosen lr and regs (read from `select-vbpr`'s
 *    `chosen.json` at run time), lambda = 1; `select-amr-eps`.
 * 4. `tune-amr@lambda=..` with the chosen eps; `select-amr`.
 *
 * The final nodes then take their hyper-parameters from the selections (see plan_models.ts).
 * The grid is not widened when a choice sits on its edge; `chosen.json` flags it.
 */
import type { InputRef, NodeSpec } from "../pipeline/graph.ts";
import type { Profile } from "./lib/profile_config.ts";
import type { OverrideField } from "./lib/chosen.ts";
import { nodeSeed } from "./plan_data.ts";
import {
  bprParams,
  initInputs,
  phaseInputs,
  type TunableModel,
  type TunedSource,
} from "./plan_models.ts";
import { stage as mfStage, tunedStage as mfTuned } from "./mf_bpr.ts";
import { stage as duifStage } from "./duif.ts";
import { stage as vbprStage, tunedStage as vbprTuned } from "./vbpr.ts";
import { tunedStage as amrTuned } from "./amr.ts";
import { MAX_GRID_RUNS, runSlot, stage as selectStage } from "./tune.ts";

/** The tuning nodes and, per model, the selection its final node reads. */
export interface TunePlan {
  /** Grid runs, retrained choices and selections. */
  nodes: NodeSpec[];
  /** Per tuned model, the selection and the fields its final node takes from it. */
  tuned: Record<TunableModel, TunedSource>;
}

/** Learning rates and L2 weights of a grid point: the same value for P, Q and E. */
export function gridHyper(lr: number, l2: number): { lr: number[]; regs: number[] } {
  return { lr: [lr, lr, lr], regs: [l2, l2, l2] };
}

function fmt(v: number): string {
  return String(v);
}

/** A selection node over grid runs (slots beyond the grid are wired to the first run). */
function selectNode(
  id: string,
  model: string,
  runs: { label: string; point: Record<string, number> }[],
  seed: number,
): NodeSpec {
  if (runs.length > MAX_GRID_RUNS) {
    throw new Error(`${id}: ${runs.length} grid runs, at most ${MAX_GRID_RUNS} per selection`);
  }
  const inputs: Record<string, InputRef> = {};
  for (let k = 0; k < MAX_GRID_RUNS; k++) {
    inputs[runSlot(k)] = {
      node: runs[k < runs.length ? k : 0].label,
      output: "train_summary.json",
    };
  }
  return { id, stage: selectStage, params: { model, runs }, inputs, seed };
}

/** The tuning nodes for a profile whose `tune` is set. */
export function tuneNodes(profile: Profile): TunePlan {
  const tune = profile.tune;
  if (!tune) throw new Error(`profile ${profile.name} has no tune section`);
  const seed = (id: string): number => nodeSeed(profile.seed, id);
  const data = phaseInputs("tune");
  const features: Record<string, InputRef> = {
    features: { node: "features", output: "features.npy" },
  };
  const m = profile.models;
  const common = { phase: "tune" as const, epochs: tune.epochs, evalEvery: tune.evalEvery };
  const hyperFrom = (node: string): Record<string, InputRef> => ({
    hyper: { node, output: "chosen.json" },
  });
  const nodes: NodeSpec[] = [];

  const grid = (
    model: "mf-bpr" | "duif" | "vbpr",
    inputs: Record<string, InputRef>,
    extraParams: Record<string, unknown> = {},
  ) => {
    const runs: { label: string; point: Record<string, number> }[] = [];
    for (const lr of tune.lr) {
      for (const l2 of tune.l2) {
        const id = `tune-${model}@lr=${fmt(lr)},l2=${fmt(l2)}`;
        nodes.push({
          id,
          stage: model === "mf-bpr" ? mfStage : model === "duif" ? duifStage : vbprStage,
          params: {
            ...bprParams(profile, m[model], common),
            ...gridHyper(lr, l2),
            ...extraParams,
            source: `tune grid point lr=${fmt(lr)}, l2=${fmt(l2)} (same value for P, Q, E)`,
          },
          inputs,
          seed: seed(id),
        });
        runs.push({ label: id, point: { lr, l2 } });
      }
    }
    nodes.push(selectNode(`select-${model}`, model, runs, seed(`select-${model}`)));
  };
  const retrain: OverrideField[] = ["epochs", "lr", "regs"];

  grid("mf-bpr", data);
  nodes.push({
    id: "tune-mf-bpr@chosen",
    stage: mfTuned,
    params: bprParams(profile, m["mf-bpr"], { ...common, override: retrain }),
    inputs: { ...data, ...hyperFrom("select-mf-bpr") },
    seed: seed("tune-mf-bpr@chosen"),
  });
  grid("duif", { ...data, ...features });
  grid(
    "vbpr",
    { ...data, ...features, ...initInputs("tune-mf-bpr@chosen", ["P", "Q"]) },
    { form: profile.vbprForm },
  );
  nodes.push({
    id: "tune-vbpr@chosen",
    stage: vbprTuned,
    params: {
      ...bprParams(profile, m.vbpr, { ...common, override: retrain }),
      form: profile.vbprForm,
    },
    inputs: {
      ...data,
      ...features,
      ...initInputs("tune-mf-bpr@chosen", ["P", "Q"]),
      ...hyperFrom("select-vbpr"),
    },
    seed: seed("tune-vbpr@chosen"),
  });

  const amrRuns = (
    coord: "eps" | "lambda",
    values: readonly number[],
    from: string,
    override: OverrideField[],
    fixed: { eps: number; lambda: number },
  ) => {
    const runs: { label: string; point: Record<string, number> }[] = [];
    for (const v of values) {
      const id = `tune-amr@${coord}=${fmt(v)}`;
      nodes.push({
        id,
        stage: amrTuned,
        params: {
          ...bprParams(profile, m.amr, { ...common, override }),
          ...fixed,
          [coord]: v,
          adversary: m.amr.adversary,
          source: `tune grid point ${coord}=${fmt(v)}`,
        },
        inputs: {
          ...data,
          ...features,
          ...initInputs("tune-vbpr@chosen", ["P", "Q", "E"]),
          ...hyperFrom(from),
        },
        seed: seed(id),
      });
      runs.push({ label: id, point: { [coord]: v } });
    }
    return runs;
  };
  const epsRuns = amrRuns("eps", tune.eps, "select-vbpr", ["lr", "regs"], {
    eps: m.amr.eps,
    lambda: 1,
  });
  nodes.push(selectNode("select-amr-eps", "amr", epsRuns, seed("select-amr-eps")));
  const lambdaRuns = amrRuns("lambda", tune.lambda, "select-amr-eps", ["lr", "regs", "eps"], {
    eps: m.amr.eps,
    lambda: 1,
  });
  nodes.push(selectNode("select-amr", "amr", lambdaRuns, seed("select-amr")));

  return {
    nodes,
    tuned: {
      "mf-bpr": { node: "select-mf-bpr", override: retrain },
      duif: { node: "select-duif", override: retrain },
      vbpr: { node: "select-vbpr", override: retrain },
      amr: { node: "select-amr", override: ["epochs", "lr", "regs", "eps", "lambda"] },
    },
  };
}
