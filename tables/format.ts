/**
 * Renders one table (a header and rows of strings or numbers) as CSV, GitHub Markdown or
 * LaTeX (booktabs). Used for Tables 1, 2 and 3.
 */
import { stringify } from "csv-stringify/sync";
import { formatCell } from "./numbers.ts";

/** A cell: text, a number (formatted by the table's `format`), or empty. */
export type Cell = string | number | null;

/** A table to render. */
export interface Table {
  /** Column titles. */
  header: string[];
  /** Rows, each with one cell per column. */
  rows: Cell[][];
  /** Optional caption (Markdown: a line above the table; LaTeX: `\caption`). */
  caption?: string;
  /** Optional LaTeX label (`\label{...}`). */
  label?: string;
  /** Column alignment; default: numbers right, text left (judged by the first row). */
  align?: ("l" | "r" | "c")[];
  /** Formats numbers for Markdown and LaTeX (CSV keeps full precision). Default: `formatCell` (numbers.ts). */
  format?: (value: number, column: number) => string;
}

function checkShape(table: Table): void {
  table.rows.forEach((row, i) => {
    if (row.length !== table.header.length) {
      throw new RangeError(
        `table row ${i} has ${row.length} cells, header has ${table.header.length}`,
      );
    }
  });
}

function text(table: Table, value: Cell, column: number): string {
  if (value === null) return "";
  if (typeof value === "number") return (table.format ?? formatCell)(value, column);
  return value;
}

function alignments(table: Table): ("l" | "r" | "c")[] {
  if (table.align) return table.align;
  const first = table.rows[0] ?? [];
  return table.header.map((_, c) => (typeof first[c] === "number" ? "r" : "l"));
}

/** CSV with a header line; numbers are written in full precision (`String(value)`). */
export function toCsv(table: Table): string {
  checkShape(table);
  const rows = table.rows.map((r) =>
    r.map((v) => (v === null ? "" : typeof v === "number" ? String(v) : v))
  );
  return stringify([table.header, ...rows]);
}

function escapeMarkdown(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** GitHub-flavoured Markdown table (caption, if any, as a bold line above). */
export function toMarkdown(table: Table): string {
  checkShape(table);
  const align = alignments(table);
  const line = (cells: string[]): string => `| ${cells.map(escapeMarkdown).join(" | ")} |`;
  const rule = align.map((a) => (a === "r" ? "---:" : a === "c" ? ":---:" : "---"));
  const out = [line(table.header), `| ${rule.join(" | ")} |`];
  for (const row of table.rows) out.push(line(row.map((v, c) => text(table, v, c))));
  const body = out.join("\n") + "\n";
  return table.caption ? `**${escapeMarkdown(table.caption)}**\n\n${body}` : body;
}

/** Escapes LaTeX special characters in plain text. */
export function escapeLatex(s: string): string {
  return s.replace(/[\\&%$#_{}~^]/g, (ch) => {
    switch (ch) {
      case "\\":
        return "\\textbackslash{}";
      case "~":
        return "\\textasciitilde{}";
      case "^":
        return "\\textasciicircum{}";
      default:
        return `\\${ch}`;
    }
  });
}

/** LaTeX `table` environment with a booktabs `tabular` (needs `\usepackage{booktabs}`). */
export function toLatex(table: Table): string {
  checkShape(table);
  const align = alignments(table).join("");
  const row = (cells: string[]): string => `    ${cells.map(escapeLatex).join(" & ")} \\\\`;
  const lines = ["\\begin{table}[t]", "  \\centering"];
  if (table.caption) lines.push(`  \\caption{${escapeLatex(table.caption)}}`);
  if (table.label) lines.push(`  \\label{${table.label}}`);
  lines.push(`  \\begin{tabular}{${align}}`, "    \\toprule", row(table.header), "    \\midrule");
  for (const r of table.rows) lines.push(row(r.map((v, c) => text(table, v, c))));
  lines.push("    \\bottomrule", "  \\end{tabular}", "\\end{table}");
  return lines.join("\n") + "\n";
}
