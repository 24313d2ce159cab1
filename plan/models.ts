/**
 * The model part of the graph: POP, MF-eALS, MF-BPR, DUIF, VBPR (from MF-BPR's P, Q) and AMR
 * (from VBPR's P, Q, E), one `eval-<model>` node each, and `table2` (published to
 * `tables/table2.*`). With tuning (profile `tune` set), every model but POP reads its tuned
 * hyper-parameters from the `chosen.json` of a selection node (see `plan/tune.ts`).
 */
import type { InputRef, NodeSpec } from "../pipeline/mod.ts";
import type { DatasetConfig } from "../config/dataset.ts";
import {
  amrAdversarySchema,
  type BprModelConfig,
  bprModelSchema,
  declaredFields,
  pickFields,
  type Profile,
} from "../config/profile.ts";
import { BPR_RUN_FIELDS } from "../stages/lib/bpr_stage.ts";
import type { Phase } from "../stages/lib/train_inputs.ts";
import type { OverrideField } from "../stages/lib/chosen.ts";
import { nodeSeed } from "./data.ts";
import { paperDatasetOf } from "../config/paper.ts";
import { stage as popStage } from "../stages/pop.ts";
import { EALS_RUN_FIELDS, stage as ealsStage, tunedStage as ealsTuned } from "../stages/mf-eals.ts";
import { stage as mfStage, tunedStage as mfTuned } from "../stages/mf-bpr.ts";
import {
  fromMfStage as duifFromMf,
  stage as duifStage,
  tunedStage as duifTuned,
} from "../stages/duif.ts";
import { stage as vbprStage, tunedStage as vbprTuned } from "../stages/vbpr.ts";
import { stage as amrStage, tunedStage as amrTuned } from "../stages/amr.ts";
import { stage as evaluateStage } from "../stages/evaluate.ts";
import { stage as table2Stage } from "../stages/table2.ts";
import { METHOD_KEYS, type MethodKey, METHODS } from "../config/methods.ts";

/** The models whose hyper-parameters can be tuned (POP has none). */
export type TunableModel = Exclude<MethodKey, "pop">;

/** Where a tuned model's `chosen.json` comes from and which fields it replaces. */
export interface TunedSource {
  /** Node id of the selection that wrote `chosen.json`. */
  node: string;
  /** Fields taken from it. */
  override: OverrideField[];
}

/** Options of {@link modelNodes}. */
export interface ModelPlanOptions {
  /** Per model, the selection whose `chosen.json` replaces the profile's values. */
  tuned?: Partial<Record<TunableModel, TunedSource>>;
}

/** The data inputs of a model node in a phase (target and negatives differ by phase). */
export function phaseInputs(phase: Phase): Record<string, InputRef> {
  return {
    train: { node: "split", output: "train.npy" },
    validation: { node: "split", output: "validation.npy" },
    target: { node: "split", output: phase === "final" ? "test.npy" : "validation.npy" },
    negatives: {
      node: "negatives",
      output: phase === "final" ? "negatives.npy" : "validation_negatives.npy",
    },
    item_map: { node: "filter-users", output: "item_map.csv" },
  };
}

/** Weight inputs `init_<name>` wired to a node's `<name>.npy`. */
export function initInputs(node: string, names: readonly string[]): Record<string, InputRef> {
  return Object.fromEntries(names.map((n) => [`init_${n}`, { node, output: `${n}.npy` }]));
}

/** The final-phase evaluation node of model node `id`: `eval-<id>` ranks its `scores.npy`. */
export function finalEvalNode(id: string, profileSeed: number): NodeSpec {
  const data = phaseInputs("final");
  return {
    id: `eval-${id}`,
    stage: evaluateStage,
    params: { phase: "final", model: id },
    inputs: { scores: { node: id, output: "scores.npy" }, target: data.target, train: data.train },
    seed: nodeSeed(profileSeed, `eval-${id}`),
  };
}

/**
 * Params of a BPR model node: the model's `bprModelSchema` fields and the run-wide settings the
 * stage takes ({@link BPR_RUN_FIELDS}), with `epochs` and `evalEvery` replaceable (tuning runs,
 * sweeps). The stage schema fills the defaults.
 */
export function bprParams(
  profile: Profile,
  cfg: BprModelConfig,
  opts: { phase: Phase; evalEvery?: number; epochs?: number; override?: OverrideField[] },
): Record<string, unknown> {
  return {
    ...declaredFields(bprModelSchema, cfg),
    ...pickFields(profile, BPR_RUN_FIELDS),
    phase: opts.phase,
    ...(opts.epochs === undefined ? {} : { epochs: opts.epochs }),
    ...(opts.evalEvery === undefined ? {} : { evalEvery: opts.evalEvery }),
    override: opts.override ?? [],
  };
}

/**
 * Seed of every final-phase run started from the final VBPR's weights: `amr` itself, the
 * lambda = 0 control `vbpr-continued` and the Figure 6/7 sweep runs (plan/outputs.ts). One
 * seed for all, so they sample the same training triples and differ only by the adversarial
 * term or the swept value (one rule for every profile).
 */
export function continuationSeed(profileSeed: number): number {
  return nodeSeed(profileSeed, "amr");
}

/** The `features` input of the stages that read item features. */
export const FEATURE_INPUTS: Readonly<Record<string, InputRef>> = {
  features: { node: "features", output: "features.npy" },
};

/**
 * The final `duif` node. Untuned, `models.duif.init` picks the stage: `duif` (scratch; params
 * without `init`, as before the field existed) or `duif-from-mf` (P from `mf-bpr`'s P.npy).
 * Tuned, `duif-tuned` takes `init` from the selection with the other fields, so MF-BPR's P is
 * always wired and read only when validation chose `mf-bpr`.
 */
function duifNode(
  profile: Profile,
  params: Record<string, unknown>,
  tuned: boolean,
  hyper: Record<string, InputRef>,
): NodeSpec {
  const base = { ...phaseInputs("final"), ...FEATURE_INPUTS };
  const fromMf = initInputs("mf-bpr", ["P"]);
  const seed = nodeSeed(profile.seed, "duif");
  if (tuned) {
    return {
      id: "duif",
      stage: duifTuned,
      params,
      inputs: { ...base, ...fromMf, ...hyper },
      seed,
    };
  }
  if (profile.models.duif.init === "mf-bpr") {
    return {
      id: "duif",
      stage: duifFromMf,
      params: { ...params, init: "mf-bpr" },
      inputs: { ...base, ...fromMf },
      seed,
    };
  }
  return { id: "duif", stage: duifStage, params, inputs: base, seed };
}

/** The model, evaluation and Table 2 nodes for a dataset under a profile. */
export function modelNodes(
  dataset: DatasetConfig,
  profile: Profile,
  opts: ModelPlanOptions = {},
): NodeSpec[] {
  const seed = (id: string): number => nodeSeed(profile.seed, id);
  const data = phaseInputs("final");
  const features = FEATURE_INPUTS;
  const m = profile.models;
  const tuned = opts.tuned ?? {};
  const hyper = (model: TunableModel): Record<string, InputRef> =>
    tuned[model] ? { hyper: { node: tuned[model]!.node, output: "chosen.json" } } : {};
  const params = (model: Exclude<TunableModel, "mf-eals">, cfg: BprModelConfig) =>
    bprParams(profile, cfg, { phase: "final", override: tuned[model]?.override });
  const nodes: NodeSpec[] = [
    {
      id: "pop",
      stage: popStage,
      params: { phase: "final" },
      inputs: data,
      seed: seed("pop"),
    },
    {
      id: "mf-eals",
      stage: tuned["mf-eals"] ? ealsTuned : ealsStage,
      params: {
        ...m["mf-eals"],
        ...pickFields(profile, EALS_RUN_FIELDS),
        phase: "final",
        ...(tuned["mf-eals"] ? { override: tuned["mf-eals"].override } : {}),
      },
      inputs: { ...data, ...hyper("mf-eals") },
      seed: seed("mf-eals"),
    },
    {
      id: "mf-bpr",
      stage: tuned["mf-bpr"] ? mfTuned : mfStage,
      params: params("mf-bpr", m["mf-bpr"]),
      inputs: { ...data, ...hyper("mf-bpr") },
      seed: seed("mf-bpr"),
    },
    duifNode(profile, params("duif", m.duif), tuned.duif !== undefined, hyper("duif")),
    {
      id: "vbpr",
      stage: tuned.vbpr ? vbprTuned : vbprStage,
      params: { ...params("vbpr", m.vbpr), form: profile.vbprForm },
      inputs: { ...data, ...features, ...initInputs("mf-bpr", ["P", "Q"]), ...hyper("vbpr") },
      seed: seed("vbpr"),
    },
    {
      id: "amr",
      stage: tuned.amr ? amrTuned : amrStage,
      params: { ...params("amr", m.amr), ...declaredFields(amrAdversarySchema, m.amr) },
      inputs: { ...data, ...features, ...initInputs("vbpr", ["P", "Q", "E"]), ...hyper("amr") },
      seed: continuationSeed(profile.seed),
    },
  ];
  for (const id of METHOD_KEYS) {
    nodes.push(finalEvalNode(id, profile.seed));
  }
  const tableInputs: Record<string, InputRef> = {
    cold: { node: "eval-amr", output: "cold.npy" },
  };
  for (const m of METHODS) tableInputs[m.input] = { node: `eval-${m.key}`, output: "metrics.npy" };
  nodes.push({
    id: "table2",
    stage: table2Stage,
    params: { dataset: dataset.name, paper: paperDatasetOf(dataset.name) },
    inputs: tableInputs,
    seed: seed("table2"),
    publish: Object.fromEntries(
      table2Stage.outputs.map((o) => [o, `tables/${o}`]),
    ),
  });
  return nodes;
}
