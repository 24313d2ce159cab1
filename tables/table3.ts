/**
 * The paper's Table 3 (relative NDCG@10 change of VBPR and AMR under the test-time `grad`
 * adversary at several eps) as data and as a rendered table beside the paper's values, with,
 * when the profile asks for it (`perturb.source: test`), an extra block under a worst-case
 * adversary from the test ranking loss, labelled {@link TEST_BLOCK_LABEL}.
 *
 * @module
 */
import type { Table } from "./format.ts";
import { fmtPct, fmtPp } from "./numbers.ts";
import { methodName } from "../config/methods.ts";
import { paperValues } from "../config/paper.ts";

/** One model's measurement at one eps. */
export interface AttackPoint {
  /** Perturbation radius. */
  eps: number;
  /** HR@10 under attack. */
  hr10: number;
  /** NDCG@10 under attack. */
  ndcg10: number;
  /** Relative NDCG@10 change against the clean model (negative: a drop). */
  change: number;
  /** Items the attack actually perturbed. */
  perturbedItems: number;
}

/** One model's clean level and its attacked points. */
export interface ModelAttacks {
  /** Clean HR@10 and NDCG@10. */
  clean: { hr10: number; ndcg10: number };
  /** One point per eps of the table. */
  points: AttackPoint[];
}

/** Label of Table 3's extra block: the worst-case test-time adversary. */
export const TEST_BLOCK_LABEL = "worst case, test-loss gradient (not in the paper)";

/** Table 3's extra block: both models under the worst-case test-time adversary. */
export interface Table3TestBlock {
  /** Where this adversary's gradient comes from. */
  note: string;
  /** VBPR's relative NDCG@10 change per eps (the table's `eps`). */
  vbpr: number[];
  /** AMR's relative NDCG@10 change per eps. */
  amr: number[];
  /** Clean levels and attacked metrics of both models. */
  details: { vbpr: ModelAttacks; amr: ModelAttacks };
}

/** Contents of `table3.json`. */
export interface Table3Json {
  /** Dataset name of the run. */
  dataset: string;
  /** Paper dataset compared against (null: none). */
  paper: string | null;
  /** Where the adversary's gradient comes from. */
  note: string;
  /** Perturbation radii (columns). */
  eps: number[];
  /** VBPR's relative NDCG@10 change per eps. */
  vbpr: number[];
  /** AMR's relative NDCG@10 change per eps. */
  amr: number[];
  /** The paper's values for the same eps (null where not reported). */
  paperValues: { vbpr: (number | null)[]; amr: (number | null)[] } | null;
  /** Clean levels and attacked metrics of both models. */
  details: { vbpr: ModelAttacks; amr: ModelAttacks };
  /** The worst-case test-time adversary's block (absent unless `perturb.source` is `test`). */
  test?: Table3TestBlock;
}

/**
 * The paper's Table 3 values of a dataset at the given eps (null per eps not reported; null
 * for an unknown dataset).
 *
 * @param paper paper dataset key (`pinterest`, `amazon`) or null
 * @param eps radii
 */
export function paperTable3At(
  paper: string | null,
  eps: readonly number[],
): { vbpr: (number | null)[]; amr: (number | null)[] } | null {
  if (paper === null) return null;
  const ds = paperValues(paper).table3;
  if (!ds) return null;
  const at = (row: readonly number[], e: number) => {
    const k = ds.eps.indexOf(e);
    return k < 0 ? null : row[k];
  };
  return { vbpr: eps.map((e) => at(ds.vbpr, e)), amr: eps.map((e) => at(ds.amr, e)) };
}

function pct(v: number | null): string {
  return fmtPct(v, { signed: true });
}

/**
 * Table 3 as rows "ours", "paper" and "ours - paper" (percentage points), one column per eps
 * and model, in the paper's layout; with a test block, one more row of ours under that adversary.
 *
 * @param t the table's data
 */
export function table3Table(t: Table3Json): Table {
  const header = ["", ...t.eps.flatMap((e) => [`eps=${e} VBPR`, `eps=${e} AMR`])];
  const ours = t.eps.flatMap((_, k) => [t.vbpr[k], t.amr[k]]);
  const rows: (string | number | null)[][] = [["ours", ...ours.map(pct)]];
  if (t.paperValues) {
    const paper = t.eps.flatMap((_, k) => [t.paperValues!.vbpr[k], t.paperValues!.amr[k]]);
    rows.push([`paper (${t.paper})`, ...paper.map(pct)]);
    rows.push([
      "ours - paper",
      ...ours.map((v, k) => {
        const p = paper[k];
        return p === null ? "n/a" : fmtPp(v - p);
      }),
    ]);
  }
  if (t.test) {
    const test = t.test;
    rows.push([
      `ours, ${TEST_BLOCK_LABEL}`,
      ...t.eps.flatMap((_, k) => [test.vbpr[k], test.amr[k]]).map(pct),
    ]);
  }
  return {
    header,
    rows,
    caption: "Table 3: relative NDCG@10 change under the test-time grad adversary",
  };
}

/**
 * Table 3 as CSV rows: one per block, model and eps with clean and attacked metrics, the
 * paper's value (paper block only), the gradient source (`train`: eq. 6; `test`: the block not in
 * the paper) and the items perturbed.
 *
 * @param t the table's data
 */
export function table3CsvTable(t: Table3Json): Table {
  const rows: (string | number | null)[][] = [];
  const blocks = [
    { source: "train", details: t.details, paper: t.paperValues },
    ...(t.test ? [{ source: "test", details: t.test.details, paper: null }] : []),
  ];
  for (const b of blocks) {
    for (const model of ["vbpr", "amr"] as const) {
      const d = b.details[model];
      d.points.forEach((p, k) => {
        rows.push([
          methodName(model),
          p.eps,
          d.clean.ndcg10,
          p.ndcg10,
          p.change,
          b.paper?.[model][k] ?? null,
          b.source,
          p.perturbedItems,
        ]);
      });
    }
  }
  return {
    header: [
      "model",
      "eps",
      "clean_ndcg@10",
      "attacked_ndcg@10",
      "relative_change",
      "paper",
      "gradient_source",
      "perturbed_items",
    ],
    rows,
  };
}
