import { toCsv, toLatex, toMarkdown } from "../../tables/format.ts";
import { assert } from "../stages/data_helpers.ts";

const table = {
  header: ["Model", "HR@10", "Note"],
  rows: [["VBPR", 0.12345, "a|b"], ["AMR_x", 1234, null]],
};

Deno.test("tables render CSV, Markdown and LaTeX", () => {
  assert(toCsv(table) === "Model,HR@10,Note\nVBPR,0.12345,a|b\nAMR_x,1234,\n", toCsv(table));
  const md = toMarkdown({ ...table, caption: "T" });
  assert(
    md ===
      "**T**\n\n| Model | HR@10 | Note |\n| --- | ---: | --- |\n| VBPR | 0.1235 | a\\|b |\n| AMR_x | 1,234 |  |\n",
    md,
  );
  const tex = toLatex({ ...table, caption: "50% of x", label: "tab:t" });
  assert(
    tex.includes("\\begin{tabular}{lrl}") && tex.includes("\\toprule") &&
      tex.includes("\\bottomrule"),
    tex,
  );
  assert(tex.includes("AMR\\_x & 1,234 &  \\\\") && tex.includes("\\caption{50\\% of x}"), tex);
});

Deno.test("tables reject rows of the wrong width", () => {
  let msg = "";
  try {
    toCsv({ header: ["a", "b"], rows: [[1]] });
  } catch (e) {
    msg = (e as Error).message;
  }
  assert(msg.includes("row 0 has 1 cells"), msg);
});
