/**
 * The run report as a Markdown summary: the same content as `html.ts` (Tables 1-3 beside the
 * paper's values, the lambda = 0 control under Table 2, the claims checklist, provenance,
 * environment), with figures as relative
 * links to their SVG/PNG files. A missing item reads "not produced in this run".
 *
 * @module
 */

import { TUNING_TITLE, tuningNote, tuningRows } from "./tuning.ts";
import type { ProvenanceEntry, ReportInput, ReportItemId, Table2Input } from "./input.ts";
import type { PaperValues } from "../config/paper.ts";
import { FIGURE_IDS, type FigureId } from "../figures/registry.ts";
import { fmtDuration } from "../tables/numbers.ts";
import {
  coldWarmPaperNote,
  controlNote,
  controlRows,
  figureCaption,
  HYPER_NOTE,
  hyperRows,
  ITEM_TITLES,
  itemTitle,
  reportClaims,
  resolvePaper,
  table1Rows,
  table2Note,
  table2Rows,
  TABLE3_TEST_TITLE,
  table3Rows,
  table3TestRows,
} from "./sections.ts";
import type { TextTable } from "./sections.ts";
import { optimiserNote } from "./hyper_used.ts";
import { checklistTally, claimPCell, verdictText } from "./claims.ts";

/** Where a figure's files are, relative to the Markdown file. */
export interface FigureLinks {
  /** SVG path. */
  readonly svg?: string;
  /** PNG path. */
  readonly png?: string;
}

/** Options of {@link buildReportMarkdown}. */
export interface MarkdownOptions {
  /** Figure files per figure (default `figures/<id>.svg` and `figures/<id>.png`). */
  readonly figureLinks?: Partial<Record<FigureId, FigureLinks>>;
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function mdTable(t: TextTable, numericFrom = 1): string {
  const align = t.header.map((_, k) => (k < numericFrom ? "---" : "---:"));
  return [t.header, align, ...t.rows].map((r) => `| ${r.map(cell).join(" | ")} |`).join("\n");
}

function missing(what: string): string {
  return `> **${what}: not produced in this run.**`;
}

function provenance(entries: readonly ProvenanceEntry[] | undefined): string {
  if (entries === undefined || entries.length === 0) return "_Provenance: none recorded._";
  return mdTable({
    header: ["Stage", "Key", "Seed", "Duration", "Params"],
    rows: entries.map((e) => [
      e.stage,
      `\`${e.key}\``,
      e.seed === undefined ? "–" : String(e.seed),
      fmtDuration(e.durationMs) + (e.cached ? " (cached)" : ""),
      e.params === undefined ? "–" : `\`${JSON.stringify(e.params)}\``,
    ]),
  }, 99);
}

function table2Md(t: Table2Input, paper: PaperValues | undefined): string {
  const { metrics, rows } = table2Rows(t, paper);
  const hasPaper = rows.some((r) => r.cells.some((c) => c.paper !== undefined));
  const body = rows.map((r) => [
    r.method,
    ...r.cells.map((c) =>
      [
        c.ours,
        c.paper === undefined ? "" : ` (paper ${c.paper}, ${c.diff})`,
        c.p === undefined ? "" : ` p=${c.p}`,
        c.pHolm === undefined ? "" : ` (Holm ${c.pHolm})`,
      ].join("")
    ),
    r.ri.ours + (r.ri.paper === undefined ? "" : ` (paper ${r.ri.paper})`),
  ]);
  const note = table2Note(t) + (hasPaper ? " Cells: ours (paper, difference) p (Holm)." : "");
  return `${note}\n\n${mdTable({ header: ["Method", ...metrics, "RI"], rows: body })}`;
}

function section(id: ReportItemId, input: ReportInput, body: string): string {
  const note = input.notes?.[id];
  return [
    `<a id="${id}"></a>`,
    "",
    `## ${itemTitle(id, input)}`,
    "",
    body,
    ...(note === undefined ? [] : ["", `_${note}_`]),
    "",
    provenance(input.provenance?.[id]),
  ].join("\n");
}

/** The lambda = 0 control (AMR vs VBPR-continued vs VBPR) under Table 2. */
function controlMd(input: ReportInput): string {
  const c = input.control;
  const body = c === undefined || c.overall === undefined
    ? missing(ITEM_TITLES.control)
    : `${controlNote(c)}\n\n${mdTable(controlRows(c))}`;
  return `### ${ITEM_TITLES.control}\n\n${body}`;
}

/** Table 3's extra block, the worst-case test-time adversary (nothing when not run). */
function table3TestMd(input: ReportInput): string {
  const rows = table3TestRows(input);
  if (rows === undefined) return "";
  return `\n\n### ${TABLE3_TEST_TITLE}\n\n_${input.table3!.test!.note}_\n\n${mdTable(rows)}`;
}

/** The settings each final model trained with, under Table 2 (nothing when not given). */
function hyperMd(input: ReportInput): string {
  if (input.hyperUsed === undefined) return "";
  const table = mdTable(hyperRows(input.hyperUsed), 99);
  const optimiser = optimiserNote(input.hyperUsed);
  return `\n\n### ${ITEM_TITLES.hyper}\n\n_${HYPER_NOTE}_\n\n${
    optimiser ? `${optimiser}\n\n` : ""
  }${table}`;
}

/** A tuned run's choices and their comparison with the reference's, under Table 2. */
function tuningMd(input: ReportInput): string {
  if (input.tuning === undefined) return "";
  // Not in italics: the note may quote a store problem, whose underscores would end them.
  return `\n\n### ${TUNING_TITLE}\n\n${tuningNote(input.tuning)}\n\n${
    mdTable(tuningRows(input.tuning), 99)
  }`;
}

/**
 * Builds the Markdown summary of a report.
 *
 * @param input our results, metadata, provenance and environment
 * @param opts relative links of the figure files
 */
export function buildReportMarkdown(input: ReportInput, opts: MarkdownOptions = {}): string {
  const paper = resolvePaper(input);
  const out: string[] = [`# ${input.title}`, ""];
  const meta: Record<string, string | number | boolean> = {
    dataset: input.dataset,
    created: input.createdAt,
    ...input.run,
  };
  for (const [k, v] of Object.entries(meta)) out.push(`- **${k}**: ${v}`);
  out.push("");

  const claims = reportClaims(input);
  out.push('<a id="claims"></a>', "", "## Claims checklist", "", checklistTally(claims), "");
  out.push(mdTable({
    header: ["Claim", "Source", "Verdict", "Ours", "Test", "p", "p (Holm)", "Paper"],
    rows: claims.map((c) => [
      c.text,
      c.source,
      verdictText(c),
      c.statistic,
      c.test ?? "–",
      claimPCell(c.p),
      claimPCell(c.pHolm),
      c.paper ?? "–",
    ]),
  }, 99));
  out.push("");

  out.push(
    section(
      "table1",
      input,
      input.table1 === undefined ? missing("Table 1") : mdTable(table1Rows(input, paper)),
    ),
    "",
  );

  const t2: string[] = [];
  for (const subset of ["overall", "cold", "warm"] as const) {
    const t = input.table2?.[subset];
    t2.push(`### ${subset === "overall" ? "All test users" : `${subset} test items`}`, "");
    t2.push(
      t === undefined
        ? missing(`Table 2 (${subset})`)
        : table2Md(t, subset === "overall" ? paper : undefined),
    );
    const note = subset === "cold" ? coldWarmPaperNote(paper) : undefined;
    if (note !== undefined) t2.push("", `_${note}_`);
    t2.push("");
  }
  const t2Body = input.table2 === undefined ? `${missing("Table 2")}\n` : t2.join("\n");
  out.push(
    section("table2", input, `${t2Body}\n${controlMd(input)}${hyperMd(input)}${tuningMd(input)}`),
    "",
  );

  out.push(
    section(
      "table3",
      input,
      input.table3 === undefined
        ? missing("Table 3")
        : mdTable(table3Rows(input, paper)) + table3TestMd(input),
    ),
    "",
  );

  for (const id of FIGURE_IDS) {
    const produced = input.figures?.[id] !== undefined;
    const links = opts.figureLinks?.[id] ??
      { svg: `figures/${id}.svg`, png: `figures/${id}.png` };
    const body = !produced ? missing(itemTitle(id, input)) : [
      `![${itemTitle(id, input)}](${links.png ?? links.svg})`,
      "",
      `${figureCaption(id, input)} Files: ${
        [links.svg && `[SVG](${links.svg})`, links.png && `[PNG](${links.png})`]
          .filter(Boolean).join(", ")
      }.`,
    ].join("\n");
    out.push(section(id, input, body), "");
  }

  out.push('<a id="environment"></a>', "", "## Environment", "");
  for (const [k, v] of Object.entries(input.environment)) out.push(`- **${k}**: ${v}`);
  out.push("");
  return out.join("\n");
}
