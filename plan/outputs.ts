/**
 * The robustness, hyper-parameter, figure and report part of the graph (paper sec. 4.3-4.4),
 * on top of the model nodes of `plan/models.ts`:
 *
 * - `vbpr-continued`: plain VBPR trained on from `vbpr`'s P, Q and E for AMR's epochs with
 *   AMR's learning rates and L2 weights and AMR's seed (AMR with lambda = 0, the same triples),
 *   the baseline curve beside AMR in Figure 3 (both start from the same weights), and
 *   `eval-vbpr-continued` (stage `evaluate`), whose per-user metrics the report tests AMR
 *   against (the lambda = 0 control).
 * - `perturb-test`: Table 3, Figure 4 and Figure 5 data (test-time perturbations of `vbpr` and
 *   `amr`; with `perturb.source: test`, Table 3's extra block under the test-loss adversary).
 * - Sweeps: one AMR run from `vbpr`'s weights (AMR's seed) plus its `eval-` node per grid
 *   point (`amr@eps=..,lambda=..`), `sweep-eps` (Figure 6, lambda fixed at AMR's) and
 *   `sweep-lambda` (Figure 7, eps fixed at AMR's). A point identical to AMR's own run reuses
 *   `amr`; tuned, every run trains AMR's chosen epochs.
 * - `plot` (Figures 3-7 as Vega-Lite, SVG, PNG) and `report` (HTML, Markdown, metrics.json).
 *
 * Published: `tables/table3.*`, `data/figure4.*`, `data/figure5.json`,
 * `data/rank_change_{vbpr,amr}.npy`, `data/figure6.*`, `data/figure7.*`, `figures/*`,
 * `report.html`, `report.md`, `metrics.json`.
 */
import type { InputRef, NodeSpec } from "../pipeline/mod.ts";
import type { DatasetConfig } from "../config/dataset.ts";
import { amrAdversarySchema, declaredFields, pickFields, type Profile } from "../config/profile.ts";
import { nodeSeed } from "./data.ts";
import { paperDatasetOf } from "../config/paper.ts";
import {
  bprParams,
  continuationSeed,
  FEATURE_INPUTS,
  finalEvalNode,
  initInputs,
  phaseInputs,
  type TunedSource,
} from "./models.ts";
import { continuedStage, continuedTunedStage } from "../stages/vbpr.ts";
import { stage as amrStage, tunedStage as amrTunedStage } from "../stages/amr.ts";
import { tuneSchedule } from "./tune.ts";
import {
  PERTURB_FIGURE_FIELDS,
  PERTURB_RUN_FIELDS,
  PERTURB_SOURCE_FIELDS,
  stage as perturbStage,
} from "../stages/perturb-test.ts";
import {
  MAX_SWEEP_POINTS,
  stage as sweepStage,
  sweepSlot,
  sweepTrainSlot,
} from "../stages/sweep.ts";
import type { OverrideField } from "../stages/lib/chosen.ts";
import { stage as plotStage } from "../stages/plot.ts";
import {
  stage as reportStage,
  SUMMARY_INPUTS,
  tunedStage as tunedReportStage,
  USER_METRIC_INPUTS,
} from "../stages/report.ts";
import { TUNE_COMPARE_ID } from "./tune.ts";
import { FIGURE_IDS, TITLE_FIGURE_FIELDS, TITLE_RUN_FIELDS } from "../figures/registry.ts";

/** Id of the AMR sweep run at (eps, lambda). */
export function sweepRunId(eps: number, lambda: number): string {
  return `amr@eps=${eps},lambda=${lambda}`;
}

/** What `vbpr-continued` takes from the tuned AMR's `chosen.json` (no adversary fields). */
export const CONTINUED_OVERRIDE: readonly OverrideField[] = ["epochs", "lr", "regs"];

/** Options of {@link figureNodes}. */
export interface FigurePlanOptions {
  /**
   * The selection AMR's hyper-parameters come from (`select-amr`). With it, `vbpr-continued`
   * takes the chosen lr, regs and epochs, and each sweep run the chosen epochs, lr, regs and the
   * fixed coordinate (eps or lambda) from its `chosen.json`; sweeps never reuse `amr` then.
   */
  tuned?: TunedSource;
  /** How the run was asked for, shown in the report (default: the named profile, no overrides). */
  run?: RunRequest;
}

/** How a run was asked for: its profile argument and `--set` overrides. */
export interface RunRequest {
  /** The `--profile` argument (a name or a path). */
  profile: string;
  /** `--set` overrides, dotted path -> value. */
  overrides: Record<string, unknown>;
  /** The resolved profile, each value with its source, for the report (absent: not shown). */
  configuration?: { path: string; value: string; source: string }[];
}

/** The nodes of Table 3, Figures 3-7 and the report. */
export function figureNodes(
  dataset: DatasetConfig,
  profile: Profile,
  opts: FigurePlanOptions = {},
): NodeSpec[] {
  const seed = (id: string): number => nodeSeed(profile.seed, id);
  // Every run that continues from the final VBPR's weights (the lambda = 0 control, each sweep
  // point) draws AMR's triples: the same seed as `amr`, so a difference from AMR is the
  // adversarial term or the swept value alone, never the sampled triples (common random numbers).
  const continuation = continuationSeed(profile.seed);
  const data = phaseInputs("final");
  const features = FEATURE_INPUTS;
  const m = profile.models;
  const fig = profile.figures;
  const paper = paperDatasetOf(dataset.name);
  const nodes: NodeSpec[] = [];

  const tuned = opts.tuned;
  const hyper: Record<string, InputRef> = tuned
    ? { hyper: { node: tuned.node, output: "chosen.json" } }
    : {};
  nodes.push({
    id: "vbpr-continued",
    stage: tuned ? continuedTunedStage : continuedStage,
    // AMR's optimiser settings and epochs without the adversary (AMR with lambda = 0 is VBPR),
    // so the two curves differ only by the adversarial term; tuned: the chosen ones.
    params: {
      ...bprParams(profile, m.amr, {
        phase: "final",
        epochs: m.amr.epochs,
        override: tuned ? [...CONTINUED_OVERRIDE] : [],
      }),
      source: `AMR's lr and regs without the adversary (${m.amr.source})`,
      form: profile.vbprForm,
    },
    inputs: { ...data, ...features, ...initInputs("vbpr", ["P", "Q", "E"]), ...hyper },
    seed: continuation,
  });

  nodes.push(finalEvalNode("vbpr-continued", profile.seed));

  nodes.push({
    id: "perturb-test",
    stage: perturbStage,
    params: {
      dataset: dataset.name,
      paper,
      ...pickFields(fig, PERTURB_FIGURE_FIELDS),
      ...pickFields(profile, PERTURB_RUN_FIELDS),
      // Only when not the paper's eq. 6, so that the default's params stay as they were.
      ...(profile.perturb.source === "train"
        ? {}
        : pickFields(profile.perturb, PERTURB_SOURCE_FIELDS)),
      figureKinds: ["rand", "grad"],
    },
    inputs: {
      ...data,
      ...features,
      vbpr_P: { node: "vbpr", output: "P.npy" },
      vbpr_Q: { node: "vbpr", output: "Q.npy" },
      vbpr_E: { node: "vbpr", output: "E.npy" },
      vbpr_H: { node: "vbpr", output: "H.npy" },
      amr_P: { node: "amr", output: "P.npy" },
      amr_Q: { node: "amr", output: "Q.npy" },
      amr_E: { node: "amr", output: "E.npy" },
    },
    seed: seed("perturb-test"),
    publish: {
      "table3.csv": "tables/table3.csv",
      "table3.md": "tables/table3.md",
      "table3.json": "tables/table3.json",
      "figure4.csv": "data/figure4.csv",
      "figure4.json": "data/figure4.json",
      "figure5.json": "data/figure5.json",
      "rank_change_vbpr.npy": "data/rank_change_vbpr.npy",
      "rank_change_amr.npy": "data/rank_change_amr.npy",
    },
  });

  // Sweep runs: one node per distinct (eps, lambda); AMR's own point reuses `amr`. Tuned: the
  // fixed coordinate and the epochs are the selection's choice (id `amr@eps=..,lambda=chosen`
  // and vice versa).
  const reuseAmr = !tuned && fig.sweepEpochs === m.amr.epochs;
  const evalOf = new Map<string, string>();
  const runFor = (parameter: "eps" | "lambda", value: number): string => {
    const eps = parameter === "eps" ? value : m.amr.eps;
    const lambda = parameter === "lambda" ? value : m.amr.lambda;
    const id = tuned
      ? (parameter === "eps" ? `amr@eps=${eps},lambda=chosen` : `amr@eps=chosen,lambda=${lambda}`)
      : sweepRunId(eps, lambda);
    if (evalOf.has(id)) return evalOf.get(id)!;
    if (reuseAmr && eps === m.amr.eps && lambda === m.amr.lambda) {
      evalOf.set(id, "eval-amr");
      return "eval-amr";
    }
    nodes.push({
      id,
      stage: tuned ? amrTunedStage : amrStage,
      params: {
        ...bprParams(profile, m.amr, {
          phase: "final",
          epochs: fig.sweepEpochs,
          evalEvery: fig.sweepEpochs,
          // Tuned: AMR's chosen epochs too, so the point at the chosen (eps, lambda) is Table
          // 2's AMR (same seed, start, epochs and settings); `sweepEpochs` is the untuned budget.
          override: tuned ? ["epochs", "lr", "regs", parameter === "eps" ? "lambda" : "eps"] : [],
        }),
        ...declaredFields(amrAdversarySchema, m.amr),
        eps,
        lambda,
      },
      inputs: { ...data, ...features, ...initInputs("vbpr", ["P", "Q", "E"]), ...hyper },
      seed: continuation,
    });
    nodes.push(finalEvalNode(id, profile.seed));
    evalOf.set(id, `eval-${id}`);
    return `eval-${id}`;
  };
  const sweep = (parameter: "eps" | "lambda", values: number[]): NodeSpec => {
    if (values.length > MAX_SWEEP_POINTS) {
      throw new Error(
        `profile ${profile.name}: figures.sweep${parameter}: at most ${MAX_SWEEP_POINTS} values`,
      );
    }
    const evals = values.map((v) => runFor(parameter, v));
    const inputs: Record<string, InputRef> = {};
    for (let k = 0; k < MAX_SWEEP_POINTS; k++) {
      // Unused slots repeat the first run; the stage never reads them.
      const evalNode = k < evals.length ? evals[k] : evals[0];
      inputs[sweepSlot(k)] = { node: evalNode, output: "summary.json" };
      inputs[sweepTrainSlot(k)] = {
        node: evalNode.replace(/^eval-/, ""),
        output: "train_summary.json",
      };
    }
    const id = `sweep-${parameter}`;
    const figure = parameter === "eps" ? "figure6" : "figure7";
    return {
      id,
      stage: sweepStage,
      params: {
        parameter,
        runs: values.map((value, k) => ({ label: evals[k], value })),
      },
      inputs,
      seed: seed(id),
      publish: { "sweep.csv": `data/${figure}.csv`, "sweep.json": `data/${figure}.json` },
    };
  };
  nodes.push(sweep("eps", fig.sweepEps), sweep("lambda", fig.sweepLambda));

  nodes.push({
    id: "plot",
    stage: plotStage,
    params: {
      dataset: dataset.name,
      ...pickFields(profile, TITLE_RUN_FIELDS),
      ...pickFields(fig, TITLE_FIGURE_FIELDS),
    },
    inputs: {
      amr_curve: { node: "amr", output: "curve.csv" },
      vbpr_curve: { node: "vbpr-continued", output: "curve.csv" },
      mf_summary: { node: "eval-mf-bpr", output: "summary.json" },
      figure4: { node: "perturb-test", output: "figure4.json" },
      rank_change_vbpr: { node: "perturb-test", output: "rank_change_vbpr.npy" },
      rank_change_amr: { node: "perturb-test", output: "rank_change_amr.npy" },
      sweep_eps: { node: "sweep-eps", output: "sweep.json" },
      sweep_lambda: { node: "sweep-lambda", output: "sweep.json" },
    },
    seed: seed("plot"),
    publish: Object.fromEntries(
      plotStage.outputs.map((o) => [o, o === "figures/figure_data.json" ? "data/figures.json" : o]),
    ),
  });

  nodes.push({
    id: "report",
    stage: tuned ? tunedReportStage : reportStage,
    params: {
      title: `AMR reproduction: ${dataset.name}`,
      dataset: dataset.name,
      paperDataset: paper,
      ...pickFields(profile, TITLE_RUN_FIELDS),
      ...pickFields(fig, TITLE_FIGURE_FIELDS),
      run: {
        profile: profile.name,
        seed: profile.seed,
        ...(profile.tune ? { tuning: tuneSchedule(profile.tune) } : {}),
        // AMR's epochs, eps and lambda and the sweeps' epochs are read by the report from what
        // ran (train_summary.json, sweep.json), never planned here: tuning replaces them.
        command: `deno task amr reproduce --dataset ${dataset.name} --profile ${
          opts.run?.profile ?? profile.name
        }${
          Object.entries(opts.run?.overrides ?? {}).map(([k, v]) =>
            ` --set ${k}=${JSON.stringify(v)}`
          ).join("")
        }`,
        ...Object.fromEntries(
          Object.entries(opts.run?.overrides ?? {}).map((
            [k, v],
          ) => [`--set ${k}`, JSON.stringify(v)]),
        ),
      },
      ...(opts.run?.configuration ? { configuration: opts.run.configuration } : {}),
    },
    inputs: {
      table1: { node: "table1", output: "table1.json" },
      table2: { node: "table2", output: "table2.json" },
      table3: { node: "perturb-test", output: "table3.json" },
      figure_data: { node: "plot", output: "figures/figure_data.json" },
      ...Object.fromEntries(
        FIGURE_IDS.map((id) => [`svg_${id}`, { node: "plot", output: `figures/${id}.svg` }]),
      ),
      ...Object.fromEntries(
        Object.entries(SUMMARY_INPUTS).map(([model, input]) => [
          input,
          { node: model, output: "train_summary.json" },
        ]),
      ),
      vbpr_continued: { node: "vbpr-continued", output: "train_summary.json" },
      sweep_eps: { node: "sweep-eps", output: "sweep.json" },
      sweep_lambda: { node: "sweep-lambda", output: "sweep.json" },
      ...Object.fromEntries(
        Object.entries(USER_METRIC_INPUTS).map(([model, input]) => [
          input,
          { node: `eval-${model}`, output: "metrics.npy" },
        ]),
      ),
      cold: { node: "eval-amr", output: "cold.npy" },
      robust_users: { node: "perturb-test", output: "robust_users.npy" },
      robust_users_columns: { node: "perturb-test", output: "robust_users.json" },
      ...(tuned ? { tuning: { node: TUNE_COMPARE_ID, output: "comparison.json" } } : {}),
    },
    seed: seed("report"),
    publish: {
      "report.html": "report.html",
      "report.md": "report.md",
      "metrics.json": "metrics.json",
    },
  });
  return nodes;
}
