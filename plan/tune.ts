/**
 * The tuning part of the graph (profiles with `tune` set; paper sec. 4.1.4), all in phase
 * `tune` (trained without the validation pairs, evaluated on validation):
 *
 * 1. Grids `tune-<model>@lr=..,l2=..` for MF-BPR, DUIF and VBPR, each followed by a
 *    `select-<model>` node (stages/tune-select.ts) writing `chosen.json`. The paper tunes one learning
 *    rate and one "L2 regularizer"; our models have three of each ([P, Q, E], authors' run.sh),
 *    so a grid point sets all three learning rates to `lr` and all three L2 weights to `l2`
 *    ({@link gridHyper}).
 * 2. `tune-mf-bpr@chosen` retrains MF-BPR with its choice (epochs = the best epoch); its P and
 *    Q start every VBPR grid run (Algorithm 1). Likewise `tune-vbpr@chosen` starts AMR.
 * 3. `tune-amr@eps=..`: AMR with VBPR's chosen lr and regs (read from `select-vbpr`'s
 *    `chosen.json` at run time), lambda = 1; `select-amr-eps`.
 * 4. `tune-amr@lambda=..` with the chosen eps; `select-amr`.
 *
 * The final nodes then take their hyper-parameters from the selections (see plan/models.ts).
 *
 * Widening (paper: "if the optimal value was found in the boundary, we further extend the
 * boundary"): the graph is static, so every grid also gets, per coordinate with at least two
 * values and per side, `tune.widen` extension values at the grid's own spacing on that side
 * ({@link extensionValue}; e.g. lr 0.005 -> 0.0025, l2 1 -> 100, eps 10 -> 100; none below
 * l2 = 0), crossed with the other coordinates' base values ({@link widenedGrid}). They are
 * ordinary grid nodes (same ids and params as if they were in the base grid, so cached runs are
 * shared); the selection takes a side's steps into account only while the best sits on that
 * edge (stages/tune-select.ts). Profiles without `tune` plan none of this.
 */
import type { InputRef, NodeSpec } from "../pipeline/graph.ts";
import {
  amrAdversarySchema,
  declaredFields,
  type LrRegs,
  type Profile,
} from "../config/profile.ts";
import type { OverrideField } from "../stages/lib/chosen.ts";
import { nodeSeed } from "./data.ts";
import {
  bprParams,
  initInputs,
  phaseInputs,
  type TunableModel,
  type TunedSource,
} from "./models.ts";
import { stage as mfStage, tunedStage as mfTuned } from "../stages/mf-bpr.ts";
import { stage as duifStage } from "../stages/duif.ts";
import { stage as vbprStage, tunedStage as vbprTuned } from "../stages/vbpr.ts";
import { tunedStage as amrTuned } from "../stages/amr.ts";
import {
  type Extension,
  MAX_GRID_RUNS,
  runSlot,
  type Side,
  stage as selectStage,
} from "../stages/tune-select.ts";

/** The tuning nodes and, per model, the selection its final node reads. */
export interface TunePlan {
  /** Grid runs, retrained choices and selections. */
  nodes: NodeSpec[];
  /** Per tuned model, the selection and the fields its final node takes from it. */
  tuned: Record<TunableModel, TunedSource>;
}

/** Learning rates and L2 weights of a grid point: the same value for P, Q and E. */
export function gridHyper(lr: number, l2: number): LrRegs {
  return { lr: [lr, lr, lr], regs: [l2, l2, l2] };
}

function fmt(v: number): string {
  return String(v);
}

/** A grid run as the selection sees it. */
export interface GridRun {
  label: string;
  point: Record<string, number>;
  extension?: Extension;
}

/**
 * The value `step` steps beyond the `side` edge of `values`, at the ratio of the two outermost
 * values on that side (factor 10 above a grid [0, x]); null below a smallest value <= 0 and for
 * fewer than two distinct values. Rounded to 12 significant digits (0.01 / 10 gives 0.001).
 */
export function extensionValue(values: readonly number[], side: Side, step: number): number | null {
  const v = [...new Set(values)].sort((a, b) => a - b);
  if (v.length < 2) return null;
  let x: number;
  if (side === "below") {
    if (v[0] <= 0) return null;
    x = v[0] / (v[1] / v[0]) ** step;
  } else {
    const [a, b] = [v[v.length - 2], v[v.length - 1]];
    x = b * (a > 0 ? b / a : 10) ** step;
  }
  return Number(x.toPrecision(12));
}

/**
 * The points of a grid with widening: the base grid (cartesian product, first axis outermost),
 * then per axis, side and step 1..`depth`, that axis at {@link extensionValue} crossed with the
 * other axes' base values.
 */
export function widenedGrid(
  axes: Record<string, readonly number[]>,
  depth: number,
): { point: Record<string, number>; extension?: Extension }[] {
  const names = Object.keys(axes);
  const product = (lists: Record<string, readonly number[]>): Record<string, number>[] =>
    names.reduce<Record<string, number>[]>(
      (acc, name) => acc.flatMap((p) => lists[name].map((v) => ({ ...p, [name]: v }))),
      [{}],
    );
  const out: { point: Record<string, number>; extension?: Extension }[] = product(axes).map((
    point,
  ) => ({ point }));
  for (const coord of names) {
    for (const side of ["below", "above"] as const) {
      for (let step = 1; step <= depth; step++) {
        const v = extensionValue(axes[coord], side, step);
        if (v === null) break;
        for (const point of product({ ...axes, [coord]: [v] })) {
          out.push({ point, extension: { coord, side, step } });
        }
      }
    }
  }
  return out;
}

/** A selection node over grid runs (slots beyond the grid are wired to the first run). */
export function selectNode(
  id: string,
  model: string,
  runs: GridRun[],
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
    const runs: GridRun[] = [];
    for (const { point, extension } of widenedGrid({ lr: tune.lr, l2: tune.l2 }, tune.widen)) {
      const { lr, l2 } = point;
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
      runs.push({ label: id, point, ...(extension ? { extension } : {}) });
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
    const runs: GridRun[] = [];
    for (const { point, extension } of widenedGrid({ [coord]: values }, tune.widen)) {
      const v = point[coord];
      const id = `tune-amr@${coord}=${fmt(v)}`;
      nodes.push({
        id,
        stage: amrTuned,
        params: {
          ...bprParams(profile, m.amr, { ...common, override }),
          ...declaredFields(amrAdversarySchema, m.amr),
          ...fixed,
          [coord]: v,
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
      runs.push({ label: id, point, ...(extension ? { extension } : {}) });
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
