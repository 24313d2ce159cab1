/**
 * The report's content as format-neutral rows, shared by the HTML and Markdown writers:
 * Tables 1-3 with the paper's values and differences, figure captions, and the paper values
 * and claims resolved for the input.
 *
 * @module
 */

import type { ControlSet, ReportInput, ReportItemId, Table2Input } from "./input.ts";
import type { HyperUsed } from "./hyper_used.ts";
import { paperValues } from "../config/paper.ts";
import type { PaperValues } from "../config/paper.ts";
import { evaluateClaims } from "./claim_eval.ts";
import { type ClaimResult, CLAIMS } from "./claims.ts";
import { tuningClaim } from "./tuning.ts";
import { fmt, fmtDiff, fmtP, fmtPClause, fmtPct, metricTitle } from "../tables/numbers.ts";
import { methodKey, OURS } from "../config/methods.ts";
import { holmAdjust } from "../models/significance.ts";
import { ALPHA } from "../config/protocol.ts";
import { FIGURE_IDS, type FigureId, figureTexts } from "../figures/registry.ts";
import { TEST_BLOCK_LABEL } from "../tables/table3.ts";

/** A comparison table: header plus rows of text cells. */
export interface TextTable {
  /** Column titles. */
  readonly header: string[];
  /** Cells. */
  readonly rows: string[][];
}

/** Titles of the report's tables and sections (the figures' come from `itemTitle`). */
export const ITEM_TITLES: Readonly<
  Record<"table1" | "table2" | "control" | "hyper" | "table3", string>
> = {
  table1: "Table 1: Dataset statistics",
  table2: "Table 2: Top-N recommendation performance",
  control: "AMR vs VBPR trained on without the adversary (λ = 0 control)",
  hyper: "Hyper-parameters used",
  table3: "Table 3: Relative NDCG@10 change under adversarial perturbation at test time",
};

/** Title of Table 3's extra block (the worst-case test-time adversary; not in the paper). */
export const TABLE3_TEST_TITLE = `Table 3, extra block: ${TEST_BLOCK_LABEL}`;

function isFigure(id: ReportItemId): id is FigureId {
  return (FIGURE_IDS as readonly string[]).includes(id);
}

/**
 * The heading of a report item: a table's title, or a figure's heading under the run's
 * settings (figures/registry.ts).
 *
 * @param id report item
 * @param input the report input (its figure settings)
 */
export function itemTitle(id: ReportItemId, input: Pick<ReportInput, "figureSettings">): string {
  return isFigure(id) ? figureTexts(id, input.figureSettings).heading : ITEM_TITLES[id];
}

/**
 * The paper's caption of a figure (shortened), shown under ours, under the run's settings.
 *
 * @param id figure
 * @param input the report input (its figure settings)
 */
export function figureCaption(id: FigureId, input: Pick<ReportInput, "figureSettings">): string {
  return figureTexts(id, input.figureSettings).caption;
}

/** Note under the hyper-parameters table. */
export const HYPER_NOTE = "Each final model's settings as its train_summary.json records them " +
  "(after any tuned choice replaced the profile's values; the source names the tuning run).";

/** The hyper-parameters each final model trained with: model, settings, source. */
export function hyperRows(rows: readonly HyperUsed[]): TextTable {
  return {
    header: ["Model", "Settings", "Source"],
    rows: rows.map((r) => [r.model, r.settings, r.source]),
  };
}

/**
 * The paper values a report compares against: `input.paper`, else those of
 * `input.paperDataset` (default the dataset name); null paperDataset gives none.
 *
 * @param input report input
 */
export function resolvePaper(input: ReportInput): PaperValues {
  if (input.paper !== undefined) return input.paper;
  if (input.paperDataset === null) return { dataset: "" };
  return paperValues(input.paperDataset ?? input.dataset);
}

/**
 * The claims checklist for a report input.
 *
 * @param input report input
 */
export function reportClaims(input: ReportInput): ClaimResult[] {
  // The HTML and Markdown writers both ask; the bootstraps run once per input.
  let claims = CLAIMS_CACHE.get(input);
  if (claims === undefined) {
    const tuning = input.tuning ? tuningClaim(input.tuning) : null;
    claims = evaluateClaims(input, {
      paper: resolvePaper(input),
      claims: tuning ? [...CLAIMS, tuning] : CLAIMS,
    });
    CLAIMS_CACHE.set(input, claims);
  }
  return claims;
}

const CLAIMS_CACHE = new WeakMap<ReportInput, ClaimResult[]>();

/**
 * Table 1 rows: statistic, ours, paper, difference.
 *
 * @param input report input (its table1 must be present)
 * @param paper paper values
 */
export function table1Rows(input: ReportInput, paper: PaperValues): TextTable {
  const t = input.table1!;
  const p = paper.table1;
  const count = (v: number) => v.toLocaleString("en-US");
  const row = (
    name: string,
    ours: number,
    theirs: number | undefined,
    show: (v: number) => string,
    diff: (v: number) => string,
  ) => [
    name,
    show(ours),
    theirs === undefined ? "–" : show(theirs),
    theirs === undefined ? "–" : diff(ours - theirs),
  ];
  const intDiff = (v: number) => `${v >= 0 ? "+" : ""}${count(v)}`;
  const pct = (v: number) => fmtPct(v);
  const pctDiff = (v: number) => fmtPct(v, { signed: true });
  const rows = [
    row("Users", t.users, p?.users, count, intDiff),
    row("Items", t.items, p?.items, count, intDiff),
    row("Interactions", t.interactions, p?.interactions, count, intDiff),
    row(
      "Sparsity",
      t.sparsity,
      p?.sparsity,
      (v) => fmtPct(v, { digits: 3 }),
      (v) => fmtPct(v, { digits: 3, signed: true }),
    ),
  ];
  if (t.coldTestItemShare !== undefined) {
    rows.push(row("Cold test share (test cases)", t.coldTestShare, undefined, pct, pctDiff));
    rows.push(
      row("Cold test share (distinct items)", t.coldTestItemShare, p?.coldTestShare, pct, pctDiff),
    );
  } else {
    rows.push(row("Cold test share", t.coldTestShare, p?.coldTestShare, pct, pctDiff));
  }
  return { header: ["Statistic", "Ours", "Paper", "Difference"], rows };
}

/** One Table 2 cell: our value with star, paper value, difference, p-value. */
export interface Table2Cell {
  /** Our value, with "*" when starred. */
  readonly ours: string;
  /** Paper value (undefined when the paper has none). */
  readonly paper?: string;
  /** Ours minus paper. */
  readonly diff?: string;
  /** p-value of ours against this row's method. */
  readonly p?: string;
  /** That p-value Holm-adjusted over every test of the block (see {@link table2Holm}). */
  readonly pHolm?: string;
}

/** One Table 2 row. */
export interface Table2RowView {
  /** Method name. */
  readonly method: string;
  /** One cell per metric. */
  readonly cells: Table2Cell[];
  /** RI of ours over this method: ours and paper. */
  readonly ri: { ours: string; paper?: string };
}

/**
 * Table 2 rows with the paper's values beside ours (paper values only for the overall table:
 * the paper reports no cold/warm table).
 *
 * @param table one Table 2
 * @param paper paper values, or undefined for cold/warm
 */
export function table2Rows(table: Table2Input, paper: PaperValues | undefined): {
  metrics: string[];
  rows: Table2RowView[];
} {
  const ours = table.ours ?? OURS.name;
  const holm = table2Holm(table).adjusted;
  const p2 = paper?.table2;
  const rows = table.methods.map((method, r) => {
    const key = methodKey(method);
    const isOurs = method === ours;
    const prow = p2?.methods[key];
    const cells = table.metrics.map((metric, k) => {
      const v = table.values[r][k];
      const star = isOurs && table.significant?.[k] ? "*" : "";
      const pk = p2 === undefined ? -1 : p2.metrics.indexOf(metric);
      const pv = prow !== undefined && pk >= 0 ? prow.values[pk] : undefined;
      const pstar = pv !== undefined && prow?.significant?.[pk] ? "*" : "";
      const pval = table.pValues?.[r]?.[k];
      return {
        ours: `${fmt(v)}${star}`,
        ...(pv === undefined ? {} : { paper: `${fmt(pv)}${pstar}`, diff: fmtDiff(v - pv) }),
        ...(isOurs || pval === undefined || pval === null ? {} : { p: fmtP(pval) }),
        ...(isOurs || !Number.isFinite(holm[r]?.[k]) ? {} : { pHolm: fmtP(holm[r][k]) }),
      };
    });
    const ri = table.ri?.[r];
    return {
      method,
      cells,
      ri: {
        ours: isOurs || ri === undefined || ri === null ? "–" : fmtPct(ri, { digits: 2 }),
        ...(prow?.ri === undefined ? {} : { paper: fmtPct(prow.ri, { digits: 2 }) }),
      },
    };
  });
  return { metrics: table.metrics.map(metricTitle), rows };
}

/**
 * The p-values of one Table 2 block (ours against every baseline, every metric) Holm-adjusted
 * over the block's tests: `adjusted[row][metric]` (NaN on ours' row and where no test ran) and
 * the number of tests `m`. The stars stay those of the unadjusted tests.
 *
 * @param table one Table 2 block (all users, cold or warm items)
 */
export function table2Holm(table: Table2Input): { adjusted: number[][]; m: number } {
  const ours = table.ours ?? OURS.name;
  const raw = table.methods.map((method, r) =>
    table.metrics.map((_, k) => {
      const p = table.pValues?.[r]?.[k];
      return method === ours || p === null || p === undefined ? NaN : p;
    })
  );
  const flat = holmAdjust(raw.flat());
  const width = table.metrics.length;
  return {
    adjusted: raw.map((row, r) => row.map((_, k) => flat[r * width + k])),
    m: raw.flat().filter((p) => Number.isFinite(p)).length,
  };
}

/**
 * The note above a Table 2 block: users, what a star and p are, and the block's Holm column.
 *
 * @param table one Table 2 block
 */
export function table2Note(table: Table2Input): string {
  const ours = table.ours ?? OURS.name;
  const { m } = table2Holm(table);
  return `n = ${table.users.toLocaleString("en-US")} users; * = ${ours} significantly better ` +
    `than every baseline (paired t-test over users, p < ${table.alpha ?? ALPHA} for each, ` +
    `unadjusted); p: ${ours} vs that row; Holm: that p Holm-adjusted over the ${m} tests of ` +
    "this block.";
}

/**
 * Table 3 rows: eps, then VBPR ours / paper / difference and AMR ours / paper / difference.
 *
 * @param input report input (its table3 must be present)
 * @param paper paper values
 */
export function table3Rows(input: ReportInput, paper: PaperValues): TextTable {
  const t = input.table3!;
  const p = paper.table3;
  const signed = (v: number | undefined) => v === undefined ? "–" : fmtPct(v, { signed: true });
  const rows = t.eps.map((eps, k) => {
    const pk = p === undefined ? -1 : p.eps.findIndex((e) => Math.abs(e - eps) < 1e-9);
    const pv = pk >= 0 ? p!.vbpr[pk] : undefined;
    const pa = pk >= 0 ? p!.amr[pk] : undefined;
    return [
      String(eps),
      signed(t.vbpr[k]),
      signed(pv),
      pv === undefined ? "–" : fmtPct(t.vbpr[k] - pv, { signed: true }) + " pt",
      signed(t.amr[k]),
      signed(pa),
      pa === undefined ? "–" : fmtPct(t.amr[k] - pa, { signed: true }) + " pt",
    ];
  });
  return {
    header: [
      "ε",
      "VBPR (ours)",
      "VBPR (paper)",
      "VBPR diff",
      "AMR (ours)",
      "AMR (paper)",
      "AMR diff",
    ],
    rows,
  };
}

/**
 * Table 3's extra block, the worst-case test-loss adversary (not in the paper), beside the
 * paper's adversary: eps, then VBPR and AMR under each. Absent without that block.
 *
 * @param input report input
 */
export function table3TestRows(input: ReportInput): TextTable | undefined {
  const t = input.table3;
  if (t?.test === undefined) return undefined;
  const test = t.test;
  const signed = (v: number) => fmtPct(v, { signed: true });
  return {
    header: ["ε", "VBPR (worst case)", "AMR (worst case)", "VBPR (eq. 6)", "AMR (eq. 6)"],
    rows: t.eps.map((eps, k) => [
      String(eps),
      signed(test.vbpr[k]),
      signed(test.amr[k]),
      signed(t.vbpr[k]),
      signed(t.amr[k]),
    ]),
  };
}

/**
 * The cold/warm sentence of the paper (AMR over VBPR), when it reports one.
 *
 * @param paper paper values
 */
export function coldWarmPaperNote(paper: PaperValues): string | undefined {
  const cw = paper.coldWarm;
  if (cw === undefined) return undefined;
  const part = (m: Readonly<Record<string, number>>) =>
    Object.entries(m).map(([k, v]) => `${fmtPct(v, { signed: true })} ${metricTitle(k)}`)
      .join(", ");
  return `Paper (${paper.dataset}, AMR over VBPR): cold items ${part(cw.cold)}; warm items ` +
    `${part(cw.warm)}.`;
}

/** Row labels of the control table. */
const CONTROL_ROWS = [
  { label: "AMR", key: "amr" },
  { label: "VBPR-continued (λ = 0)", key: "continued" },
  { label: "VBPR (Table 2)", key: "vbpr" },
] as const;

/**
 * The lambda = 0 control as a table: one row per run (AMR, VBPR-continued, VBPR), one column
 * per metric and subset (overall, cold, warm, with user counts); each baseline cell carries the
 * paired t-test p-value of AMR against that row.
 *
 * @param control the control set (a subset that is absent gets no columns)
 */
export function controlRows(control: ControlSet): TextTable {
  const subsets = (["overall", "cold", "warm"] as const).filter((s) => control[s] !== undefined);
  const metrics = control[subsets[0]]?.metrics ?? [];
  const header = ["Run"];
  for (const metric of metrics) {
    for (const s of subsets) {
      header.push(`${metricTitle(metric)} ${s} (n = ${control[s]!.users.toLocaleString("en-US")})`);
    }
  }
  const rows = CONTROL_ROWS.map(({ label, key }) => {
    const row: string[] = [label];
    for (const metric of metrics) {
      for (const s of subsets) {
        const t = control[s]!;
        const k = t.metrics.indexOf(metric);
        const v = k < 0 ? undefined : t[key][k];
        const p = key === "amr" || k < 0
          ? undefined
          : (key === "continued" ? t.pContinued : t.pVbpr)[k];
        row.push(p === undefined ? fmt(v) : `${fmt(v)} (${fmtPClause(p)})`);
      }
    }
    return row;
  });
  return { header, rows };
}

/**
 * Why the control matters, in one paragraph (with the runs' epochs when known).
 *
 * @param control the control set
 */
export function controlNote(control: ControlSet): string {
  const e = control.epochs;
  const start = e?.start;
  const from = start === undefined || start.amr === start.continued
    ? `the same ${start?.amr === "official-vbpr" ? "(the authors' pretrained) " : ""}VBPR weights`
    : `different weights (AMR from ${start.amr}, VBPR-continued from ${start.continued})`;
  const epochs = e === undefined
    ? "AMR trains more epochs than VBPR in Table 2: it starts from VBPR's trained weights and " +
      "trains on"
    : `AMR trains more epochs than VBPR in Table 2: VBPR trains ${e.vbpr} epochs, AMR starts ` +
      `from ${start?.amr === "official-vbpr" ? "the authors' pretrained VBPR" : "its weights"} ` +
      `and trains ${e.amr} more` +
      (start?.amr === "official-vbpr" ? "" : ` (${e.vbpr + e.amr} in all)`);
  const sameEpochs = e === undefined || e.continued === e.amr
    ? "the same epochs"
    : `${e.continued} epochs (AMR: ${e.amr})`;
  const optimiser = e?.sameOptimiser === false
    ? "different learning rates or L2 weights than AMR (see provenance)"
    : "AMR's learning rates and L2 weights";
  const reg = e?.regulariser;
  const regNote = reg === undefined
    ? ""
    : reg.vbpr === reg.amr && reg.amr === reg.continued
    ? `Regulariser: the ${regulariserName(reg.amr)} form in all three runs. `
    : `Regulariser: VBPR ${regulariserName(reg.vbpr)}, AMR ${regulariserName(reg.amr)}, ` +
      `VBPR-continued ${regulariserName(reg.continued)}. `;
  const amrOptimiser = e?.vbprOptimiser === true
    ? "VBPR's learning rates and L2 weights"
    : "its own learning rates and L2 weights";
  return `Why this control: ${epochs}, with ${amrOptimiser}. ` +
    `VBPR-continued starts from ${from} and trains ${sameEpochs} with ${optimiser} but no ` +
    "adversary (AMR with λ = 0), so AMR's gain over it is what the adversarial term adds, not " +
    "the extra training. Epochs and settings are those the runs recorded in their training " +
    `summaries. ${regNote}p: paired t-test over users of AMR against that row (alpha ` +
    `${control.alpha ?? ALPHA}).`;
}

/** A regulariser form as the report names it (docs/model.md#losses-and-regularisation). */
function regulariserName(form: string): string {
  if (form === "official") return "authors' code (l2 on q + E c of i and j)";
  if (form === "paper") return "paper's eq. 10 (beta on p_u, q_i and E)";
  return form;
}
