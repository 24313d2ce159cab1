/**
 * Builds the run report as ONE self-contained HTML file: inline CSS, figures as inline SVG,
 * no external URL. Tables 1-3 sit beside the paper's values with the differences; Figures 3-7
 * are rendered from data; a claims checklist, per-item provenance and the environment follow.
 * An item missing from the input is shown as "not produced in this run", never left out.
 * Every item has a stable `id` (`table1` ... `table3`, `figure3` ... `figure7`, `claims`,
 * `provenance`, `environment`); the lambda = 0 control sits in Table 2's section
 * (`table2-control`).
 *
 * @module
 */

import { TUNING_TITLE, tuningNote, tuningRows } from "./tuning.ts";
import type {
  ConfigValue,
  NodeSource,
  ProvenanceEntry,
  ReportInput,
  ReportItemId,
  Table2Input,
  TableSources,
} from "./input.ts";
import type { PaperValues } from "../config/paper.ts";
import { figureSpec } from "../figures/specs.ts";
import { FIGURE_IDS, type FigureId } from "../figures/registry.ts";
import { FONT_FAMILY, specToSvg } from "../figures/render.ts";
import { fmtDuration } from "../tables/numbers.ts";
import { methodKey } from "../config/methods.ts";
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
import type { ClaimResult } from "./claims.ts";
import { checklistTally, claimPCell, verdictText } from "./claims.ts";

export type { ReportInput } from "./input.ts";

/** Options of {@link buildReportHtml}. */
export interface HtmlOptions {
  /** Pre-rendered SVG per figure (skips rendering from data for those). */
  readonly svgs?: Partial<Record<FigureId, string>>;
}

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @param s text
 */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/**
 * Makes the `id`s of an SVG unique within a page (Vega names clip paths `clip1`, ... in every
 * figure, so two inline figures would share them) and drops any XML prolog.
 *
 * @param svg SVG document
 * @param prefix prefix for its ids, e.g. "figure3-"
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/<\?xml[^>]*\?>\s*/g, "")
    .replace(/\sid="([^"]+)"/g, ` id="${prefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}

const CSS = `
body { font-family: "${FONT_FAMILY}", "DejaVu Sans", Verdana, sans-serif; margin: 2em auto;
  max-width: 1200px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-bottom: 0.3em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; vertical-align: top; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td .paper, td .p, td .p-holm { display: block; color: #666; font-size: 0.85em; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; font-family: monospace; }
.missing { border: 2px dashed #c88; background: #fff6f6; padding: 0.8em; color: #844; }
figure { margin: 1em 0; }
figure svg { width: 100%; max-width: 1000px; height: auto; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
.status { font-weight: bold; white-space: nowrap; }
.holds { color: #176b1a; } .fails { color: #b01c1c; } .inconclusive { color: #8a6d00; }
.not-measured { color: #777; }
.note { font-size: 0.9em; color: #444; }
details { margin: 0.3em 0; } summary { cursor: pointer; }
pre { background: #f7f7f7; padding: 0.5em; overflow-x: auto; font-size: 0.85em; }
nav a { margin-right: 0.8em; }
`;

/** The anchor of a node's row in the sources table. */
function sourceId(src: NodeSource): string {
  return `src-${src.key}`;
}

/** A number linked to the node and store entry that produced it. */
function linked(text: string, src: NodeSource | undefined): string {
  if (src === undefined || text === "–") return escapeHtml(text);
  return `<a class="src" href="#${sourceId(src)}" title="node ${escapeHtml(src.node)}, store key ${
    escapeHtml(src.key)
  }">${escapeHtml(text)}</a>`;
}

function tableHtml(
  t: TextTable,
  numericFrom = 1,
  source?: (row: number, col: number) => NodeSource | undefined,
): string {
  const head = t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = t.rows.map((r, i) =>
    `<tr>${
      r.map((c, k) =>
        `<td${k >= numericFrom ? ' class="num"' : ""}>${linked(c, source?.(i, k))}</td>`
      ).join("")
    }</tr>`
  ).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** One row per node behind Tables 1-3, each the target of the links on its numbers. */
function sourcesHtml(sources: TableSources | undefined): string {
  if (sources === undefined) return "";
  const all: [string, NodeSource][] = [];
  if (sources.table1) all.push(["Table 1", sources.table1]);
  if (sources.table2) {
    all.push(["Table 2 (RI, stars, cold/warm split)", sources.table2.table]);
    for (const [m, src] of Object.entries(sources.table2.methods)) {
      all.push([`Table 2 (${m})`, src]);
    }
  }
  if (sources.table3) all.push(["Table 3", sources.table3]);
  const seen = new Set<string>();
  const rows = all.filter(([, s]) => !seen.has(s.key) && seen.add(s.key)).map(([what, s]) =>
    `<tr id="${sourceId(s)}"><td>${escapeHtml(what)}</td><td>${escapeHtml(s.node)}</td><td><code>${
      escapeHtml(s.key)
    }</code></td><td><code>store/${escapeHtml(s.key)}/manifest.json</code></td></tr>`
  );
  return `<section id="sources"><h2>Where the numbers of Tables 1-3 come from</h2>
<p class="note">Each number in Tables 1-3 links here: the graph node that computed it and its store
entry (its manifest lists params, seed, inputs and output hashes).</p>
<table><thead><tr><th>Numbers</th><th>Node</th><th>Store key</th><th>Manifest</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table>
</section>`;
}

/** The resolved configuration, each value with its source. */
function configurationHtml(config: readonly ConfigValue[] | undefined): string {
  if (config === undefined) return "";
  return `<section id="configuration"><h2>Resolved configuration</h2>
<p class="note">Every profile value of this run and where it came from: a profile file (of the
<code>extends</code> chain), <code>--set</code>, the schema's default, or a tuned choice.</p>
${
    tableHtml({
      header: ["Field", "Value", "Source"],
      rows: config.map((c) => [c.path, c.value, c.source]),
    }, 9)
  }
</section>`;
}

function missing(what: string): string {
  return `<div class="missing">${escapeHtml(what)}: not produced in this run.</div>`;
}

function provenanceHtml(entries: readonly ProvenanceEntry[] | undefined): string {
  if (entries === undefined || entries.length === 0) {
    return `<p class="note">Provenance: none recorded.</p>`;
  }
  const rows = entries.map((e) => [
    e.stage,
    e.key,
    e.seed === undefined ? "–" : String(e.seed),
    fmtDuration(e.durationMs) + (e.cached ? " (cached)" : ""),
    e.params === undefined ? "–" : JSON.stringify(e.params),
  ]);
  return `<details><summary>Provenance (${entries.length} stage run${
    entries.length === 1 ? "" : "s"
  })</summary>${
    tableHtml({ header: ["Stage", "Key", "Seed", "Duration", "Params"], rows }, 99)
  }</details>`;
}

function itemSection(
  id: ReportItemId,
  input: ReportInput,
  body: string,
): string {
  const note = input.notes?.[id];
  return `<section id="${id}" class="item">
<h2>${escapeHtml(itemTitle(id, input))}</h2>
${body}
${note === undefined ? "" : `<p class="note">${escapeHtml(note)}</p>`}
${provenanceHtml(input.provenance?.[id])}
</section>`;
}

function table2Html(
  table: Table2Input,
  paper: PaperValues | undefined,
  sources: TableSources["table2"],
): string {
  const { metrics, rows } = table2Rows(table, paper);
  const head = ["Method", ...metrics, "RI"].map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => {
    const src = sources?.methods[methodKey(r.method)] ?? sources?.table;
    const cells = r.cells.map((c) =>
      `<td class="num">${linked(c.ours, src)}${
        c.paper === undefined
          ? ""
          : `<span class="paper">paper ${escapeHtml(c.paper)} (${escapeHtml(c.diff!)})</span>`
      }${c.p === undefined ? "" : `<span class="p">p = ${escapeHtml(c.p)}</span>`}${
        c.pHolm === undefined ? "" : `<span class="p-holm">Holm ${escapeHtml(c.pHolm)}</span>`
      }</td>`
    ).join("");
    const ri = `<td class="num">${linked(r.ri.ours, sources?.table)}${
      r.ri.paper === undefined ? "" : `<span class="paper">paper ${escapeHtml(r.ri.paper)}</span>`
    }</td>`;
    return `<tr><td>${escapeHtml(r.method)}</td>${cells}${ri}</tr>`;
  }).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function table2Section(input: ReportInput, paper: PaperValues): string {
  const set = input.table2;
  const parts = (["overall", "cold", "warm"] as const).map((subset) => {
    const t = set?.[subset];
    const title = subset === "overall"
      ? "All test users"
      : subset === "cold"
      ? "Users whose test item is cold-start"
      : "Users whose test item is warm";
    const inner = t === undefined
      ? missing(`Table 2 (${subset})`)
      : `<p class="note">${escapeHtml(table2Note(t))}</p>${
        table2Html(t, subset === "overall" ? paper : undefined, input.sources?.table2)
      }`;
    const note = subset === "cold" ? coldWarmPaperNote(paper) : undefined;
    return `<div id="table2-${subset}"><h3>${escapeHtml(title)}</h3>${inner}${
      note === undefined ? "" : `<p class="note">${escapeHtml(note)}</p>`
    }</div>`;
  });
  const body = set === undefined ? missing("Table 2") : parts.join("\n");
  return itemSection(
    "table2",
    input,
    `${body}\n${controlHtml(input)}${hyperHtml(input)}${tuningHtml(input)}`,
  );
}

/** Table 3's extra block, the worst-case test-time adversary (nothing when not run). */
function table3TestHtml(input: ReportInput): string {
  const rows = table3TestRows(input);
  if (rows === undefined) return "";
  return `\n<div id="table3-test"><h3>${escapeHtml(TABLE3_TEST_TITLE)}</h3><p class="note">${
    escapeHtml(input.table3!.test!.note)
  }</p>${tableHtml(rows, 1, () => input.sources?.table3)}</div>`;
}

/** The settings each final model trained with, under Table 2 (nothing when not given). */
function hyperHtml(input: ReportInput): string {
  if (input.hyperUsed === undefined) return "";
  const optimiser = optimiserNote(input.hyperUsed);
  return `\n<div id="table2-hyper"><h3>${escapeHtml(ITEM_TITLES.hyper)}</h3><p class="note">${
    escapeHtml(HYPER_NOTE)
  }</p>${optimiser ? `<p class="note">${escapeHtml(optimiser)}</p>` : ""}${
    tableHtml(hyperRows(input.hyperUsed), 99)
  }</div>`;
}

/** A tuned run's choices and their comparison with the reference's, under Table 2. */
function tuningHtml(input: ReportInput): string {
  if (input.tuning === undefined) return "";
  return `\n<div id="table2-tuning"><h3>${escapeHtml(TUNING_TITLE)}</h3><p class="note">${
    escapeHtml(tuningNote(input.tuning))
  }</p>${tableHtml(tuningRows(input.tuning), 99)}</div>`;
}

/** The lambda = 0 control (AMR vs VBPR-continued vs VBPR) under Table 2. */
function controlHtml(input: ReportInput): string {
  const c = input.control;
  const inner = c === undefined || c.overall === undefined
    ? missing(ITEM_TITLES.control)
    : `<p class="note">${escapeHtml(controlNote(c))}</p>${tableHtml(controlRows(c))}`;
  return `<div id="table2-control"><h3>${escapeHtml(ITEM_TITLES.control)}</h3>${inner}</div>`;
}

async function figureSection(
  id: FigureId,
  input: ReportInput,
  opts: HtmlOptions,
): Promise<string> {
  let svg = opts.svgs?.[id];
  if (svg === undefined) {
    const spec = figureSpec(id, input.figures ?? {}, {
      dataset: input.dataset,
      settings: input.figureSettings,
    });
    if (spec !== undefined) svg = await specToSvg(spec);
  }
  const body = svg === undefined
    ? missing(itemTitle(id, input))
    : `<figure>${scopeSvgIds(svg, `${id}-`)}<figcaption>${
      escapeHtml(figureCaption(id, input))
    } Ours only: the paper gives this figure as an image without values.</figcaption></figure>`;
  return itemSection(id, input, body);
}

function claimsHtml(claims: ClaimResult[]): string {
  const rows = claims.map((c) =>
    `<tr data-claim="${escapeHtml(c.id)}"><td>${escapeHtml(c.text)}</td><td>${
      escapeHtml(c.source)
    }</td><td class="status ${c.status.replace(/ /g, "-")}">${escapeHtml(verdictText(c))}</td><td>${
      escapeHtml(c.statistic)
    }</td><td>${escapeHtml(c.test ?? "–")}</td><td class="p">${
      escapeHtml(claimPCell(c.p))
    }</td><td class="p-holm">${escapeHtml(claimPCell(c.pHolm))}</td><td>${
      escapeHtml(c.paper ?? "–")
    }</td></tr>`
  ).join("\n");
  return `<section id="claims"><h2>Claims checklist</h2>
<p class="tally">${escapeHtml(checklistTally(claims))}</p>
<table><thead><tr><th>Claim</th><th>Source</th><th>Verdict</th><th>Ours</th><th>Test</th><th>p</th><th>p (Holm)</th><th>Paper</th></tr>
</thead><tbody>
${rows}
</tbody></table></section>`;
}

function metaList(entries: Readonly<Record<string, string | number | boolean>>): string {
  const items = Object.entries(entries).map(([k, v]) =>
    `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(String(v))}</dd>`
  );
  return `<dl class="meta">${items.join("")}</dl>`;
}

/**
 * Builds the self-contained HTML report.
 *
 * @param input our results, metadata, provenance and environment
 * @param opts pre-rendered figure SVGs
 * @returns the HTML document
 */
export async function buildReportHtml(
  input: ReportInput,
  opts: HtmlOptions = {},
): Promise<string> {
  const paper = resolvePaper(input);
  const sections: string[] = [];
  sections.push(itemSection(
    "table1",
    input,
    input.table1 === undefined
      ? missing("Table 1")
      : tableHtml(table1Rows(input, paper), 1, (_, k) =>
        k === 1 ? input.sources?.table1 : undefined),
  ));
  sections.push(table2Section(input, paper));
  sections.push(itemSection(
    "table3",
    input,
    input.table3 === undefined ? missing("Table 3") : tableHtml(
      table3Rows(input, paper),
      1,
      (_, k) => (k === 1 || k === 4 ? input.sources?.table3 : undefined),
    ) + table3TestHtml(input),
  ));
  for (const id of FIGURE_IDS) sections.push(await figureSection(id, input, opts));
  const nav = [
    ...["table1", "table2", "table3"],
    ...FIGURE_IDS,
    "claims",
    "provenance",
    ...(input.configuration ? ["configuration"] : []),
  ]
    .map((id) => `<a href="#${id}">${escapeHtml(id)}</a>`).join("");
  const paperNote = paper.table1 || paper.table2 || paper.table3
    ? `Paper values: configs/paper/*.json, dataset "${paper.dataset}".`
    : "No paper values for this dataset.";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header id="meta">
<h1>${escapeHtml(input.title)}</h1>
<p class="note">Reproduction of Tang et al., "Adversarial Training Towards Robust Multimedia
Recommender System" (AMR, IEEE TKDE). ${escapeHtml(paperNote)}</p>
${metaList({ dataset: input.dataset, created: input.createdAt, ...input.run })}
<nav>${nav}</nav>
</header>
${claimsHtml(reportClaims(input))}
${sections.join("\n")}
<section id="provenance"><h2>Provenance</h2>
${
    (["table1", "table2", "table3", ...FIGURE_IDS] as ReportItemId[]).map((id) =>
      `<h3>${escapeHtml(itemTitle(id, input))}</h3>${provenanceHtml(input.provenance?.[id])}`
    ).join("\n")
  }
</section>
${sourcesHtml(input.sources)}
${configurationHtml(input.configuration)}
<section id="environment"><h2>Environment</h2>
${metaList(input.environment)}
</section>
</body>
</html>
`;
}
