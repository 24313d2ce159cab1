/**
 * The input of the run report (`html.ts`, `markdown.ts`) and of the claims checklist
 * (`claim_eval.ts`): our results as plain data, each part optional so that a part not produced in
 * this run is shown as such.
 *
 * @module
 */

import type { TuningComparison } from "./tuning.ts";
import type { FigureData } from "../figures/specs.ts";
import type { FigureId, FigureSettings } from "../figures/registry.ts";
import type { PaperValues } from "../config/paper.ts";
import type { HyperUsed } from "./hyper_used.ts";

/** Our Table 1 statistics (a subset of the `table1` stage's output). */
export interface Table1Input {
  /** Users after filtering. */
  readonly users: number;
  /** Items after filtering. */
  readonly items: number;
  /** Interactions after filtering. */
  readonly interactions: number;
  /** 1 - interactions / (users * items). */
  readonly sparsity: number;
  /** Share of test cases whose item is cold. */
  readonly coldTestShare: number;
  /** Share of distinct test items that are cold (compared with the paper's 52.6% when given). */
  readonly coldTestItemShare?: number;
}

/**
 * One Table 2 (overall, cold or warm users); structurally a subset of `Table2` from
 * `tables/table2.ts`, so a built table can be passed as it is.
 */
export interface Table2Input {
  /** Users covered. */
  readonly users: number;
  /** Our method's name (default `OURS`, "AMR"). */
  readonly ours?: string;
  /** Method names in row order, e.g. "POP", "MF-eALS", "MF-BPR", "DUIF", "VBPR", "AMR". */
  readonly methods: readonly string[];
  /** Metric keys in column order, `hr@5` ... `ndcg@20`. */
  readonly metrics: readonly string[];
  /** Means, `values[row][metric]`. */
  readonly values: readonly (readonly number[])[];
  /** RI of our method over each row's method (a fraction; null on our row). */
  readonly ri?: readonly (number | null)[];
  /** Paired t-test p-values of ours against each row's method (null on our row). */
  readonly pValues?: readonly (readonly (number | null)[])[];
  /** Per metric: ours significantly better than every baseline (the star). */
  readonly significant?: readonly boolean[];
  /** Significance level of the stars (default `ALPHA`, 0.05). */
  readonly alpha?: number;
}

/** Table 2 over all, cold and warm test users. */
export interface Table2Set {
  /** All test users. */
  readonly overall?: Table2Input;
  /** Users whose test item is cold. */
  readonly cold?: Table2Input;
  /** Users whose test item is warm. */
  readonly warm?: Table2Input;
}

/** Our Table 3: relative NDCG@10 change under the grad adversary at test time. */
export interface Table3Input {
  /** Perturbation radii. */
  readonly eps: readonly number[];
  /** VBPR's relative change per eps (negative: a drop). */
  readonly vbpr: readonly number[];
  /** AMR's relative change per eps. */
  readonly amr: readonly number[];
  /**
   * The extra block under the worst-case test-loss adversary (not in the paper; present only
   * when the profile's `perturb.source` is `test`), per eps as above.
   */
  readonly test?: {
    readonly vbpr: readonly number[];
    readonly amr: readonly number[];
    /** Where that adversary's gradient comes from. */
    readonly note: string;
  };
}

/**
 * One subset (all, cold or warm test users) of the lambda = 0 control: AMR, VBPR trained on
 * from the same weights for AMR's epochs with AMR's optimiser and no adversary
 * ("VBPR-continued"), and the VBPR of Table 2, on the same users.
 */
export interface ControlTable {
  /** Users covered. */
  readonly users: number;
  /** Metric keys in column order, e.g. `hr@10`, `ndcg@10`. */
  readonly metrics: readonly string[];
  /** AMR's means, per metric. */
  readonly amr: readonly number[];
  /** VBPR-continued's means, per metric. */
  readonly continued: readonly number[];
  /** VBPR's (Table 2) means, per metric. */
  readonly vbpr: readonly number[];
  /** Paired t-test p-values of AMR against VBPR-continued, per metric (null: undefined). */
  readonly pContinued: readonly (number | null)[];
  /** Paired t-test p-values of AMR against VBPR, per metric (null: undefined). */
  readonly pVbpr: readonly (number | null)[];
}

/** What the control's runs actually used (from their training summaries and manifests). */
export interface ControlEpochs {
  /** VBPR's epochs (Table 2's VBPR). */
  readonly vbpr: number;
  /** AMR's epochs on top of its starting weights. */
  readonly amr: number;
  /** VBPR-continued's epochs on top of its starting weights. */
  readonly continued: number;
  /** Whether AMR and VBPR-continued used the same learning rates and L2 weights. */
  readonly sameOptimiser?: boolean;
  /** Whether AMR used VBPR's learning rates and L2 weights (paper sec. 4.1.4). */
  readonly vbprOptimiser?: boolean;
  /** The regulariser form each run recorded (docs/model.md#losses-and-regularisation). */
  readonly regulariser?: {
    readonly vbpr: string;
    readonly amr: string;
    readonly continued: string;
  };
  /** The node whose weights each of AMR and VBPR-continued started from. */
  readonly start?: { readonly amr: string; readonly continued: string };
}

/** The lambda = 0 control over all, cold and warm test users. */
export interface ControlSet {
  /** All test users. */
  readonly overall?: ControlTable;
  /** Users whose test item is cold. */
  readonly cold?: ControlTable;
  /** Users whose test item is warm. */
  readonly warm?: ControlTable;
  /** Significance level (default `ALPHA`, 0.05). */
  readonly alpha?: number;
  /** Epochs of the three runs, when known. */
  readonly epochs?: ControlEpochs;
}

/** Identifiers of the report's items, also their HTML `id`s. */
export const REPORT_ITEM_IDS = [
  "table1",
  "table2",
  "table3",
  "figure3",
  "figure4",
  "figure5",
  "figure6",
  "figure7",
] as const;

/** One of {@link REPORT_ITEM_IDS}. */
export type ReportItemId = "table1" | "table2" | "table3" | FigureId;

/** One stage run behind a report item. */
export interface ProvenanceEntry {
  /** Stage name, e.g. "train_amr". */
  readonly stage: string;
  /** The stage's content key in the store. */
  readonly key: string;
  /** Parameters of that run. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Random seed. */
  readonly seed?: number;
  /** Wall-clock duration in milliseconds. */
  readonly durationMs?: number;
  /** Whether the result came from the cache. */
  readonly cached?: boolean;
}

/** The graph node and store entry that produced a number. */
export interface NodeSource {
  /** Node id, e.g. "eval-amr". */
  readonly node: string;
  /** Store key of its entry. */
  readonly key: string;
}

/** Where the numbers of Tables 1-3 come from (each shown number links to its node). */
export interface TableSources {
  /** Every Table 1 statistic. */
  readonly table1?: NodeSource;
  /** Table 2: the node that assembled it (RI, stars) and each method's evaluation node. */
  readonly table2?: { readonly table: NodeSource; readonly methods: Record<string, NodeSource> };
  /** Every Table 3 value. */
  readonly table3?: NodeSource;
}

/** One value of the resolved run configuration and where it came from. */
export interface ConfigValue {
  /** Dotted path, e.g. "models.amr.eps". */
  readonly path: string;
  /** The value as JSON. */
  readonly value: string;
  /** A profile file, "--set", "schema default" or a tuned choice. */
  readonly source: string;
}

/**
 * Per-user NDCG@10 of VBPR and AMR under the test-time `grad` adversary (perturb-test's
 * `robust_users.npy`), for the robustness claims' paired bootstraps. NaN: no target.
 */
export interface RobustnessUsers {
  /** Table 3 radii. */
  readonly eps: readonly number[];
  /** VBPR: clean NDCG@10 per user, and one per-user array per eps. */
  readonly vbpr: { readonly clean: Float32Array; readonly attacked: readonly Float32Array[] };
  /** AMR, as VBPR. */
  readonly amr: { readonly clean: Float32Array; readonly attacked: readonly Float32Array[] };
  /** Figure 4: VBPR's per-user NDCG@10 under `grad` and `rand` at each of `eps`. */
  readonly figure4?: {
    readonly eps: readonly number[];
    readonly grad: readonly Float32Array[];
    readonly rand: readonly Float32Array[];
  };
}

/**
 * Per-user values behind the claims' statistical tests (the evaluations' `metrics.npy` and
 * `cold.npy`, perturb-test's per-user NDCG@10). Not shown; the claims test on them.
 */
export interface UserValues {
  /** Column keys of the metric rows, e.g. `hr@5` ... `ndcg@20`. */
  readonly metrics: readonly string[];
  /**
   * Per method key (`pop`, `mf-eals`, `mf-bpr`, `duif`, `vbpr`, `amr`, `vbpr-continued`): a
   * row-major `[users, metrics]` matrix; a NaN row is a user without a target.
   */
  readonly methods: Readonly<Record<string, Float32Array>>;
  /** Per user, 1 when the test item is cold. */
  readonly cold: ArrayLike<number>;
  /** Robustness per user (absent: robustness claims not measured). */
  readonly robustness?: RobustnessUsers;
  /** Seed of the bootstraps (the report node's). */
  readonly seed?: number;
}

/** Everything a report shows. */
export interface ReportInput {
  /** Report title. */
  readonly title: string;
  /** Dataset name as the run calls it. */
  readonly dataset: string;
  /** Key of the dataset in `configs/paper/*.json` (default {@link dataset}; none: no paper values). */
  readonly paperDataset?: string | null;
  /** ISO time of the report. */
  readonly createdAt: string;
  /** Run metadata shown under the title (profile, command, git commit, ...). */
  readonly run: Readonly<Record<string, string | number | boolean>>;
  /** Environment: Deno, OS, CPU, package versions, ... */
  readonly environment: Readonly<Record<string, string>>;
  /** Table 1. */
  readonly table1?: Table1Input;
  /** Table 2 (overall, cold, warm). */
  readonly table2?: Table2Set;
  /** AMR vs VBPR-continued (lambda = 0 control) vs VBPR, shown beside Table 2. */
  readonly control?: ControlSet;
  /** The settings each final model trained with, from its summary (absent: not shown). */
  readonly hyperUsed?: readonly HyperUsed[];
  /** Table 3. */
  readonly table3?: Table3Input;
  /** Data of Figures 3-7. */
  readonly figures?: FigureData;
  /** The run's settings the figures' titles and captions name (figures/registry.ts). */
  readonly figureSettings: FigureSettings;
  /** Stage runs behind each item. */
  readonly provenance?: Readonly<Partial<Record<ReportItemId, readonly ProvenanceEntry[]>>>;
  /** Free-text notes per item (e.g. where the adversary's gradient comes from). */
  readonly notes?: Readonly<Partial<Record<ReportItemId, string>>>;
  /** Per-user values the claims test on (absent: claims that need them are not measured). */
  readonly users?: UserValues;
  /** The node and store key behind each number of Tables 1-3 (absent: no links). */
  readonly sources?: TableSources;
  /** The resolved run configuration with each value's source (absent: not shown). */
  readonly configuration?: readonly ConfigValue[];
  /** Overrides the paper values (default: read from `configs/paper/` for paperDataset). */
  readonly paper?: PaperValues;
  /** A tuned run's choices, compared with its reference profile's (absent: not tuned). */
  readonly tuning?: TuningComparison;
}
