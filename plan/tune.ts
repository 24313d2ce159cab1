/**
 * The tuning part of the graph (profiles with `tune` set; paper sec. 4.1.4), all in phase
 * `tune` (trained without the validation pairs, evaluated on validation):
 *
 * 0. Grid `tune-mf-eals@c0=..,reg=..` over the profile's `tune.c0` x `tune.reg` (MF-eALS; each
 *    run trains the profile's `iterations` sweeps and is evaluated on validation after the last
 *    one, its only evaluated sweep, so the sweep count is not chosen), then `select-mf-eals`;
 *    the final `mf-eals` (`mf-eals-tuned`) takes c0 and reg from its `chosen.json`.
 * 1. Grids `tune-<model>@lr=..,l2=..` for MF-BPR, DUIF and VBPR, each followed by a
 *    `select-<model>` node (for DUIF, see 2) (stages/tune-select.ts) writing `chosen.json`. The paper tunes one learning
 *    rate and one "L2 regularizer"; our models have three of each ([P, Q, E], authors' run.sh),
 *    so a grid point sets all three learning rates to `lr` and all three L2 weights to `l2`
 *    ({@link gridHyper}).
 * 2. `tune-mf-bpr@chosen` retrains MF-BPR with its choice (epochs = the best epoch); its P and
 *    Q start every VBPR grid run (Algorithm 1). Likewise `tune-vbpr@chosen` starts AMR.
 *    DUIF is tuned from both starts the paper tried (sec. 4.1.3): the scratch grid and a second
 *    grid `tune-duif@init=mf-bpr,lr=..,l2=..` whose runs start P from `tune-mf-bpr@chosen`'s P,
 *    each with its own selection (`select-duif@init=scratch`, `select-duif@init=mf-bpr`); then
 *    `select-duif` (stages/tune-init.ts) keeps the start with the better validation NDCG@10 and
 *    records it as `init` in its `chosen.json`, which the final `duif` takes with the epochs,
 *    lr and regs.
 * 3. `tune-amr@eps=..`: AMR with VBPR's chosen lr and regs (read from `select-vbpr`'s
 *    `chosen.json` at run time), lambda = 1; `select-amr-eps`.
 * 4. `tune-amr@lambda=..` with the chosen eps; `select-amr`.
 *
 * The final nodes then take their hyper-parameters from the selections (see plan/models.ts).
 *
 * Schedules (docs/profiles.md): with `tune.patience` every BPR grid run may stop early; with
 * `tune.schedule: "halving"` each BPR grid level becomes rungs of nodes with `tune-halve` nodes
 * between them ({@link levelNodes}, plan/halving.ts); the last rung keeps the points' own ids,
 * so the selections are wired alike under both schedules. MF-eALS's grid always runs in full.
 *
 * Fused levels (docs/performance.md#fused-grid-levels): all points of a BPR grid level (or of
 * one rung) share the level's seed and a `fuse` group, so they draw the same start and the
 * same triples (common random numbers) and the engine may train them in one job; `--no-fuse`
 * runs them one by one with the same seeds and the same bytes.
 *
 * Widening (paper: "if the optimal value was found in the boundary, we further extend the
 * boundary"): the graph is static, so every grid also gets, per coordinate with at least two
 * values and per side, `tune.widen` extension values at the grid's own spacing on that side
 * ({@link extensionValue}; e.g. lr 0.005 -> 0.0025, l2 1 -> 100, eps 10 -> 100, c0 64 -> 32;
 * none below l2 = 0 or reg = 0), crossed with the other coordinates' base values ({@link widenedGrid}). They are
 * ordinary grid nodes (same ids and params as if they were in the base grid, so cached runs are
 * shared); the selection takes a side's steps into account only while the best sits on that
 * edge (stages/tune-select.ts). Profiles without `tune` plan none of this.
 */
import type { InputRef, NodeSpec, Stage } from "../pipeline/mod.ts";
import {
  amrAdversarySchema,
  declaredFields,
  type DuifInit,
  type LrRegs,
  pickFields,
  type Profile,
} from "../config/profile.ts";
import { MAX_ADVERSARY, MAX_LR, MAX_WEIGHT } from "../config/bounds.ts";
import type { OverrideField } from "../stages/lib/chosen.ts";
import { nodeSeed } from "./data.ts";
import {
  bprParams,
  initInputs,
  phaseInputs,
  type TunableModel,
  type TunedSource,
} from "./models.ts";
import { EALS_RUN_FIELDS, stage as ealsStage } from "../stages/mf-eals.ts";
import * as mfBpr from "../stages/mf-bpr.ts";
import * as duif from "../stages/duif.ts";
import * as vbpr from "../stages/vbpr.ts";
import * as amr from "../stages/amr.ts";
import { INIT_VARIANTS, stage as initStage } from "../stages/tune-init.ts";
import { stage as halveStage } from "../stages/tune-halve.ts";
import { halvingRungs } from "./halving.ts";
import { type Extension, type Side, stage as selectStage } from "../stages/tune-select.ts";
import { MAX_GRID_RUNS, runSlot } from "../stages/lib/grid_runs.ts";
import { stage as compareStage, type TuningReference } from "../stages/tune-compare.ts";

/** The tuning nodes and, per model, the selection its final node reads. */
export interface TunePlan {
  /** Grid runs, retrained choices and selections. */
  nodes: NodeSpec[];
  /** Per tuned model, the selection and the fields its final node takes from it. */
  tuned: Readonly<Record<TunableModel, TunedSource>>;
}

/** How far each tuned coordinate may widen: the bound of the field it sets. */
const WIDEN_MAX: Readonly<Record<string, number>> = {
  lr: MAX_LR,
  l2: MAX_WEIGHT,
  c0: MAX_WEIGHT,
  reg: MAX_WEIGHT,
  eps: MAX_ADVERSARY,
  lambda: MAX_ADVERSARY,
};

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
 * other axes' base values. An axis widens no further than its bound in `max` (config/bounds.ts),
 * so every run's params stay valid for its stage.
 */
export function widenedGrid(
  axes: Record<string, readonly number[]>,
  depth: number,
  max: Readonly<Record<string, number>> = {},
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
        if (v === null || v > (max[coord] ?? Infinity)) break;
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

/** What every tuning node of a profile shares. */
interface TuneContext {
  /** The profile. */
  profile: Profile;
  /** Its `tune` section. */
  tune: NonNullable<Profile["tune"]>;
  /** The node seed of an id. */
  seed: (id: string) => number;
  /** The tune phase's data inputs. */
  data: Record<string, InputRef>;
  /** The features input. */
  features: Record<string, InputRef>;
  /** Phase, epochs and evaluation cadence of every tuning run. */
  common: { phase: "tune"; epochs: number; evalEvery: number };
  /** The fields a retrained choice takes from its selection. */
  retrain: OverrideField[];
  /** What grid runs add to their params: the early-stopping patience, when the profile sets one. */
  grid: { patience?: number };
}

/** The stages of a grid's runs: a run of the full schedule, and the rungs of halving. */
interface GridStages {
  full: Stage;
  first: Stage;
  next: Stage;
}

/** Per grid kind, its stages (AMR's grids read the previous selection's `hyper`). */
const GRID_STAGES: Readonly<Record<string, GridStages>> = {
  "mf-bpr": {
    full: mfBpr.stage,
    first: mfBpr.gridFirstRungStage,
    next: mfBpr.gridNextRungStage,
  },
  duif: { full: duif.stage, first: duif.gridFirstRungStage, next: duif.gridNextRungStage },
  "duif-from-mf": {
    full: duif.fromMfStage,
    first: duif.fromMfGridFirstRungStage,
    next: duif.fromMfGridNextRungStage,
  },
  vbpr: { full: vbpr.stage, first: vbpr.gridFirstRungStage, next: vbpr.gridNextRungStage },
  amr: { full: amr.tunedStage, first: amr.gridFirstRungStage, next: amr.gridNextRungStage },
};

/** One point of a grid level, before the schedule turns it into nodes. */
interface GridPoint {
  /** Its node id (under halving: the last rung's; earlier rungs add `,rung=<r>`). */
  id: string;
  params: Record<string, unknown>;
  inputs: Record<string, InputRef>;
  point: Record<string, number>;
  extension?: Extension;
}

/** `<base>@rung=<r>`, or `<base>,rung=<r>` when the base already has an `@` part. */
function rungId(base: string, r: number): string {
  return `${base}${base.includes("@") ? "," : "@"}rung=${r}`;
}

/**
 * The nodes of one grid level under the profile's schedule, and its runs as the selection sees
 * them (always the points' own ids). `full`: one node per point. `halving` (plan/halving.ts):
 * per rung one node per point (the last rung under the point's id) and, between rungs, a
 * `tune-halve` node (`halve-<model>@..,rung=<r>`) that keeps the best points for the next rung.
 */
function levelNodes(
  c: TuneContext,
  p: { model: string; selectId: string; stages: GridStages; points: GridPoint[] },
): { nodes: NodeSpec[]; runs: GridRun[] } {
  const runs: GridRun[] = p.points.map((q) => ({
    label: q.id,
    point: q.point,
    ...(q.extension ? { extension: q.extension } : {}),
  }));
  // One seed for the whole level (common random numbers): every point draws the same start
  // and the same triples, so points differ only by their settings and can train fused.
  const level = p.selectId.replace(/^select-/, "grid-");
  const seed = c.seed(level);
  if (c.tune.schedule === "full") {
    const nodes = p.points.map((q): NodeSpec => ({
      id: q.id,
      stage: p.stages.full,
      params: q.params,
      inputs: q.inputs,
      seed,
      fuse: level,
    }));
    return { nodes, runs };
  }
  const rungs = halvingRungs(`the grid of ${p.selectId}`, p.points.length, c.tune.eta, c.common);
  const last = rungs.length - 1;
  const halveOf = (r: number) => rungId(p.selectId.replace(/^select-/, "halve-"), r);
  const idOf = (q: GridPoint, r: number) => (r === last ? q.id : rungId(q.id, r));
  const nodes: NodeSpec[] = [];
  rungs.forEach((rung, r) => {
    for (const q of p.points) {
      nodes.push({
        id: idOf(q, r),
        stage: r === 0 ? p.stages.first : p.stages.next,
        params: {
          ...q.params,
          epochs: rung.epochs,
          rung: {
            index: r,
            from: r === 0 ? 0 : rungs[r - 1].epochs,
            points: p.points.length,
            continuing: rung.continuing,
            point: q.id,
          },
        },
        inputs: r === 0 ? q.inputs : {
          ...q.inputs,
          state: { node: idOf(q, r - 1), output: "state.ckpt" },
          prev_scores: { node: idOf(q, r - 1), output: "scores.npy" },
          survivors: { node: halveOf(r - 1), output: "survivors.json" },
        },
        // The level's seed for all rungs: only the first draws; later rungs continue the
        // generators' saved states. A rung's points train fused.
        seed,
        fuse: rungId(level, r),
      });
    }
    if (r === last) return;
    const inputs: Record<string, InputRef> = {};
    for (let k = 0; k < MAX_GRID_RUNS; k++) {
      const q = p.points[k < p.points.length ? k : 0];
      inputs[runSlot(k)] = { node: idOf(q, r), output: "train_summary.json" };
    }
    nodes.push({
      id: halveOf(r),
      stage: halveStage,
      params: {
        model: p.model,
        rung: r,
        epochs: rung.epochs,
        keep: rungs[r + 1].continuing,
        runs: p.points.map((q) => q.id),
      },
      inputs,
      seed: c.seed(halveOf(r)),
    });
  });
  return { nodes, runs };
}

/** The `hyper` input: a selection's `chosen.json`. */
function hyperFrom(node: string): Record<string, InputRef> {
  return { hyper: { node, output: "chosen.json" } };
}

/** Options of {@link gridNodes}. */
interface GridOptions {
  /** Extra params of every grid run. */
  extraParams?: Record<string, unknown>;
  /** A variant of the model's grid: its stages, and the tag its run ids carry after the `@`. */
  variant?: { stages: GridStages; tag: string };
  /** Id of the selection node (default `select-<model>`). */
  selectId?: string;
}

/** The lr x l2 grid runs of a model (widened), then its `select-<model>` node. */
function gridNodes(
  c: TuneContext,
  model: "mf-bpr" | "duif" | "vbpr",
  inputs: Record<string, InputRef>,
  opts: GridOptions = {},
): NodeSpec[] {
  const { extraParams = {}, variant } = opts;
  const selectId = opts.selectId ?? `select-${model}`;
  const points = widenedGrid({ lr: c.tune.lr, l2: c.tune.l2 }, c.tune.widen, WIDEN_MAX).map((
    { point, extension },
  ): GridPoint => {
    const { lr, l2 } = point;
    const id = `tune-${model}@${variant ? `${variant.tag},` : ""}lr=${fmt(lr)},l2=${fmt(l2)}`;
    return {
      id,
      params: {
        ...bprParams(c.profile, c.profile.models[model], c.common),
        ...gridHyper(lr, l2),
        ...c.grid,
        ...extraParams,
        source: `tune grid point lr=${fmt(lr)}, l2=${fmt(l2)} (same value for P, Q, E)`,
      },
      inputs,
      point,
      ...(extension ? { extension } : {}),
    };
  });
  const stages = variant?.stages ?? GRID_STAGES[model];
  const { nodes, runs } = levelNodes(c, { model, selectId, stages, points });
  return [...nodes, selectNode(selectId, model, runs, c.seed(selectId))];
}

/**
 * DUIF's two starts (paper sec. 4.1.3: from scratch and from MF's user embeddings, the better
 * reported): the scratch grid `tune-duif@lr=..,l2=..` (selection `select-duif@init=scratch`),
 * the grid `tune-duif@init=mf-bpr,lr=..,l2=..` whose runs start P from `tune-mf-bpr@chosen`'s P
 * (selection `select-duif@init=mf-bpr`), and `select-duif` (stage `tune-init`), which keeps the
 * start whose best run has the higher validation NDCG@10 and records it as `values.init`.
 */
function duifNodes(c: TuneContext): NodeSpec[] {
  const inputs = { ...c.data, ...c.features };
  const selectOf = (init: DuifInit) => `select-duif@init=${init}`;
  const nodes: NodeSpec[] = [
    ...gridNodes(c, "duif", inputs, { selectId: selectOf("scratch") }),
    ...gridNodes(c, "duif", { ...inputs, ...initInputs("tune-mf-bpr@chosen", ["P"]) }, {
      extraParams: { init: "mf-bpr" },
      variant: { stages: GRID_STAGES["duif-from-mf"], tag: "init=mf-bpr" },
      selectId: selectOf("mf-bpr"),
    }),
  ];
  const choice: Record<string, InputRef> = {};
  for (const init of INIT_VARIANTS) choice[init] = { node: selectOf(init), output: "chosen.json" };
  nodes.push({
    id: "select-duif",
    stage: initStage,
    params: { model: "duif" },
    inputs: choice,
    seed: c.seed("select-duif"),
  });
  return nodes;
}

/**
 * The c0 x reg grid of MF-eALS (widened), then `select-mf-eals`. Each run trains the profile's
 * `iterations` sweeps (its only evaluated sweep besides the start is the last, so the selection
 * picks c0 and reg at that sweep count; stages/mf-eals.ts).
 */
function ealsGridNodes(c: TuneContext): NodeSpec[] {
  const nodes: NodeSpec[] = [];
  const runs: GridRun[] = [];
  for (
    const { point, extension } of widenedGrid(
      { c0: c.tune.c0, reg: c.tune.reg },
      c.tune.widen,
      WIDEN_MAX,
    )
  ) {
    const { c0, reg } = point;
    const id = `tune-mf-eals@c0=${fmt(c0)},reg=${fmt(reg)}`;
    nodes.push({
      id,
      stage: ealsStage,
      params: {
        ...c.profile.models["mf-eals"],
        ...pickFields(c.profile, EALS_RUN_FIELDS),
        phase: "tune",
        c0,
        reg,
        source: `tune grid point c0=${fmt(c0)}, reg=${fmt(reg)}`,
      },
      inputs: c.data,
      seed: c.seed(id),
    });
    runs.push({ label: id, point, ...(extension ? { extension } : {}) });
  }
  nodes.push(selectNode("select-mf-eals", "mf-eals", runs, c.seed("select-mf-eals")));
  return nodes;
}

/** `tune-mf-bpr@chosen`: MF-BPR retrained with its choice (its P and Q start VBPR). */
function chosenMfNode(c: TuneContext): NodeSpec {
  return {
    id: "tune-mf-bpr@chosen",
    stage: mfBpr.tunedStage,
    params: bprParams(c.profile, c.profile.models["mf-bpr"], { ...c.common, override: c.retrain }),
    inputs: { ...c.data, ...hyperFrom("select-mf-bpr") },
    seed: c.seed("tune-mf-bpr@chosen"),
  };
}

/** `tune-vbpr@chosen`: VBPR retrained with its choice (its weights start AMR). */
function chosenVbprNode(c: TuneContext): NodeSpec {
  return {
    id: "tune-vbpr@chosen",
    stage: vbpr.tunedStage,
    params: {
      ...bprParams(c.profile, c.profile.models.vbpr, { ...c.common, override: c.retrain }),
      form: c.profile.vbprForm,
    },
    inputs: {
      ...c.data,
      ...c.features,
      ...initInputs("tune-mf-bpr@chosen", ["P", "Q"]),
      ...hyperFrom("select-vbpr"),
    },
    seed: c.seed("tune-vbpr@chosen"),
  };
}

/**
 * AMR grid runs over one coordinate (eps or lambda, widened), with the other adversary settings
 * `fixed` and the `override` fields read from the selection `from`.
 */
function amrGridNodes(
  c: TuneContext,
  coord: "eps" | "lambda",
  p: {
    values: readonly number[];
    from: string;
    override: OverrideField[];
    fixed: { eps: number; lambda: number };
    /** The selection that reads the level (its halving nodes are named after it). */
    selectId: string;
  },
): { nodes: NodeSpec[]; runs: GridRun[] } {
  const m = c.profile.models;
  const points = widenedGrid({ [coord]: p.values }, c.tune.widen, WIDEN_MAX).map((
    { point, extension },
  ): GridPoint => {
    const v = point[coord];
    return {
      id: `tune-amr@${coord}=${fmt(v)}`,
      params: {
        ...bprParams(c.profile, m.amr, { ...c.common, override: p.override }),
        ...declaredFields(amrAdversarySchema, m.amr),
        ...p.fixed,
        [coord]: v,
        ...c.grid,
        source: `tune grid point ${coord}=${fmt(v)}`,
      },
      inputs: {
        ...c.data,
        ...c.features,
        ...initInputs("tune-vbpr@chosen", ["P", "Q", "E"]),
        ...hyperFrom(p.from),
      },
      point,
      ...(extension ? { extension } : {}),
    };
  });
  return levelNodes(c, { model: "amr", selectId: p.selectId, stages: GRID_STAGES.amr, points });
}

/** The fields a retrained choice (MF-BPR, DUIF, VBPR) takes from its selection. */
const RETRAIN: OverrideField[] = ["epochs", "lr", "regs"];

/**
 * The report header's line on how the grid runs were scheduled: every run trains all its
 * epochs (the paper's protocol), or stops early under `tune.patience`.
 */
export function tuneSchedule(tune: NonNullable<Profile["tune"]>): string {
  const cadence = `evaluated on validation every ${tune.evalEvery}`;
  const early = tune.patience === undefined ? "" : `a run stops once its validation NDCG@10 ` +
    `has not improved for ${tune.patience} evaluations`;
  if (tune.schedule === "halving") {
    return `successive halving (eta ${tune.eta}): every grid point starts; after each rung the ` +
      `best 1/${tune.eta} by validation NDCG@10 continue from where they stopped, up to ` +
      `${tune.epochs} epochs (${cadence})${
        early ? `; early stopping inside each rung: ${early}` : ""
      }; ` +
      `MF-eALS's grid runs in full`;
  }
  return early
    ? `early stopping: ${early} (at most ${tune.epochs} epochs each, ${cadence}); MF-eALS's grid ` +
      `is not stopped early`
    : `full grid: every run trains ${tune.epochs} epochs, ${cadence} (the paper's protocol)`;
}

/** Id of the node comparing the run's tuning choices with the reference profile's. */
export const TUNE_COMPARE_ID = "tune-compare";

/**
 * The selections `tune-compare` sets side by side, by its input name: each trained model's
 * (the one its final node reads) and AMR's eps, chosen before its lambda.
 */
export const COMPARED_SELECTIONS: Readonly<Record<string, string>> = {
  mf_eals: "select-mf-eals",
  mf_bpr: "select-mf-bpr",
  duif: "select-duif",
  vbpr: "select-vbpr",
  amr_eps: "select-amr-eps",
  amr: "select-amr",
};

/**
 * The `tune-compare` node: every tuned model's selection, and the reference profile's choices
 * as plan/reference.ts read them (null: the profile names no reference; absent though it names
 * one: said so in the comparison, as nothing was looked up).
 */
function tuneCompareNode(
  profile: Profile,
  tune: NonNullable<Profile["tune"]>,
  reference: TuningReference | null | undefined,
): NodeSpec {
  const inputs: Record<string, InputRef> = {};
  for (const [input, node] of Object.entries(COMPARED_SELECTIONS)) {
    inputs[input] = { node, output: "chosen.json" };
  }
  const ref = tune.reference === undefined ? null : reference ?? {
    profile: tune.reference,
    target: "",
    unavailable: "the reference's store entries were not looked up when this graph was planned",
    differences: [],
    selections: {},
  };
  return {
    id: TUNE_COMPARE_ID,
    stage: compareStage,
    params: { profile: profile.name, schedule: tuneSchedule(tune), reference: ref },
    inputs,
    seed: nodeSeed(profile.seed, TUNE_COMPARE_ID),
    publish: { "comparison.json": "data/tuning.json" },
  };
}

/**
 * The tuning nodes for a profile whose `tune` is set; `reference`: the choices of the profile
 * its `tune.reference` names, read from the store (plan/reference.ts).
 */
export function tuneNodes(profile: Profile, reference?: TuningReference | null): TunePlan {
  const tune = profile.tune;
  if (!tune) throw new Error(`profile ${profile.name} has no tune section`);
  const c: TuneContext = {
    profile,
    tune,
    seed: (id: string): number => nodeSeed(profile.seed, id),
    data: phaseInputs("tune"),
    features: { features: { node: "features", output: "features.npy" } },
    common: { phase: "tune", epochs: tune.epochs, evalEvery: tune.evalEvery },
    retrain: RETRAIN,
    grid: tune.patience === undefined ? {} : { patience: tune.patience },
  };
  const { data, features } = c;
  const m = profile.models;
  const nodes: NodeSpec[] = [];

  nodes.push(...ealsGridNodes(c));
  nodes.push(...gridNodes(c, "mf-bpr", data));
  nodes.push(chosenMfNode(c));
  nodes.push(...duifNodes(c));
  nodes.push(
    ...gridNodes(
      c,
      "vbpr",
      { ...data, ...features, ...initInputs("tune-mf-bpr@chosen", ["P", "Q"]) },
      { extraParams: { form: profile.vbprForm } },
    ),
  );
  nodes.push(chosenVbprNode(c));

  const fixed = { eps: m.amr.eps, lambda: 1 };
  const eps = amrGridNodes(c, "eps", {
    values: tune.eps,
    from: "select-vbpr",
    override: ["lr", "regs"],
    fixed,
    selectId: "select-amr-eps",
  });
  nodes.push(...eps.nodes, selectNode("select-amr-eps", "amr", eps.runs, c.seed("select-amr-eps")));
  const lambda = amrGridNodes(c, "lambda", {
    values: tune.lambda,
    from: "select-amr-eps",
    override: ["lr", "regs", "eps"],
    fixed,
    selectId: "select-amr",
  });
  nodes.push(...lambda.nodes, selectNode("select-amr", "amr", lambda.runs, c.seed("select-amr")));
  nodes.push(tuneCompareNode(profile, tune, reference));

  return { nodes, tuned: TUNED };
}

/**
 * Per tuned model, the selection node whose `chosen.json` its final node reads, and the fields
 * the choice replaces (what `config show` reports as a tuned choice).
 */
export const TUNED: Readonly<Record<TunableModel, TunedSource>> = {
  "mf-eals": { node: "select-mf-eals", override: ["c0", "reg"] },
  "mf-bpr": { node: "select-mf-bpr", override: RETRAIN },
  duif: { node: "select-duif", override: [...RETRAIN, "init"] },
  vbpr: { node: "select-vbpr", override: RETRAIN },
  amr: { node: "select-amr", override: ["epochs", "lr", "regs", "eps", "lambda"] },
};
