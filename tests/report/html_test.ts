import assert from "node:assert/strict";
import { buildReportHtml, escapeHtml, scopeSvgIds } from "../../report/html.ts";
import type { ReportInput } from "../../report/html.ts";
import { buildReportMarkdown } from "../../report/markdown.ts";
import { REPORT_ITEM_IDS } from "../../report/input.ts";
import type { Table2Input } from "../../report/input.ts";
import { buildTable2 } from "../../tables/table2.ts";
import { metricsFromRanks } from "../../models/evaluation.ts";
import { fakeReportInput } from "./_fixture.ts";

const MINIMAL: ReportInput = {
  title: "Empty <run>",
  dataset: "synthetic",
  createdAt: "2025-01-01T00:00:00Z",
  run: { profile: "smoke" },
  environment: { deno: "2.9.6" },
  figureSettings: { evalEvery: 5, rankEps: 0.2 },
};

/** The HTML between `<section id="ID"` and the next `</section>`. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  assert.ok(start >= 0, `no section ${id}`);
  return html.slice(start, html.indexOf("</section>", start));
}

Deno.test("html: every item has its id; figures are inline SVG with text; no external URL", async () => {
  const html = await buildReportHtml(fakeReportInput());
  for (const id of REPORT_ITEM_IDS) {
    const s = section(html, id);
    assert.ok(!s.includes("not produced in this run"), `${id} marked missing`);
    if (id.startsWith("figure")) {
      assert.match(s, /<svg[\s\S]*<text[\s\S]*<\/svg>/, `${id} has no SVG text`);
    } else {
      assert.match(s, /<table>/);
    }
  }
  for (
    const id of [
      "claims",
      "provenance",
      "environment",
      "table2-cold",
      "table2-warm",
      "table2-control",
    ]
  ) {
    assert.ok(html.includes(`id="${id}"`), id);
  }
  // Self-contained: nothing is fetched (SVG namespaces are identifiers, not requests).
  assert.doesNotMatch(html, /\bsrc=|<link|@import|url\((['"]?)https?:|href="https?:/);
  // Figure ids are unique across the inline SVGs.
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length);
});

Deno.test("html: Tables 1-3 show ours beside the paper with differences", async () => {
  const html = await buildReportHtml(fakeReportInput());
  const t1 = section(html, "table1");
  assert.match(t1, /<td>Users<\/td><td class="num">3,226<\/td><td class="num">3,226<\/td>/);
  const t2 = section(html, "table2");
  // AMR's HR@10: ours 0.2030 starred, paper 0.2033 starred, difference -0.0003.
  assert.ok(t2.includes('0.2030*<span class="paper">paper 0.2033* (-0.0003)</span>'));
  assert.ok(t2.includes("p = 0.003"));
  assert.ok(t2.includes("+74.0% HR@10"), "cold/warm paper sentence");
  const t3 = section(html, "table3");
  assert.ok(t3.includes('<td class="num">-11.9%</td>'), "paper VBPR at 0.1");
  assert.ok(t3.includes("BPR loss on training triples"), "note shown");
  const claims = section(html, "claims");
  assert.match(claims, /class="status holds">holds</);
  assert.match(
    claims,
    /data-claim="control\.amr&gt;vbpr-continued\.hr@10">.*class="status holds">holds<\/td><td>AMR 0\.2030 vs VBPR-continued 0\.1900, p = 0\.012<\/td><td>paired t-test over users \(two-sided, alpha 0\.05; from the table\)</,
  );
  assert.ok(section(html, "provenance").includes("train_amr"));
});

Deno.test("html: missing items render as 'not produced in this run', text is escaped", async () => {
  const html = await buildReportHtml(MINIMAL);
  for (const id of REPORT_ITEM_IDS) {
    assert.ok(section(html, id).includes("not produced in this run"), id);
  }
  assert.ok(html.includes("<title>Empty &lt;run&gt;</title>"));
  assert.ok(html.includes("0 hold, 0 fail, 0 inconclusive, 16 not measured"));
  assert.ok(section(html, "table2").includes("(λ = 0 control): not produced in this run"));
  assert.equal(
    escapeHtml(`<a href="x">&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;",
  );
});

Deno.test("html: a partly produced Table 2 marks only the missing subsets", async () => {
  const full = fakeReportInput();
  const html = await buildReportHtml({ ...MINIMAL, table2: { overall: full.table2!.overall } });
  const t2 = section(html, "table2");
  assert.ok(t2.includes("Table 2 (cold): not produced in this run"));
  assert.ok(t2.includes("Table 2 (warm): not produced in this run"));
  assert.ok(!t2.includes("Table 2 (overall): not produced"));
});

Deno.test("html: the lambda = 0 control sits under Table 2 with p-values and why it matters", async () => {
  const html = await buildReportHtml(fakeReportInput());
  const t2 = section(html, "table2");
  const at = t2.indexOf('<div id="table2-control">');
  assert.ok(at > t2.indexOf('<div id="table2-warm">'), "control after Table 2's subsets");
  const c = t2.slice(at);
  assert.ok(c.includes("<th>HR@10 overall (n = 3,226)</th>"));
  assert.ok(c.includes("<th>NDCG@10 warm (n = 2,226)</th>"));
  assert.ok(c.includes('<td>AMR</td><td class="num">0.2030</td><td class="num">0.3000</td>'));
  assert.ok(c.includes('<td class="num">0.1900 (p = 0.012)</td>'), "AMR vs VBPR-continued p");
  assert.ok(c.includes('<td class="num">0.1830 (p = 0.003)</td>'), "AMR vs VBPR p");
  assert.ok(c.includes("<td>VBPR-continued (λ = 0)</td>"));
  assert.ok(c.includes("AMR trains more epochs than VBPR in Table 2"));
  assert.ok(c.includes("trains 2000 more (4000 in all)"));
});

Deno.test("scopeSvgIds prefixes ids and their references", () => {
  const svg = `<?xml version="1.0"?><svg><clipPath id="clip1"/><g clip-path="url(#clip1)"/>` +
    `<use href="#clip1"/></svg>`;
  assert.equal(
    scopeSvgIds(svg, "f3-"),
    `<svg><clipPath id="f3-clip1"/><g clip-path="url(#f3-clip1)"/><use href="#f3-clip1"/></svg>`,
  );
});

Deno.test("Table2Input accepts buildTable2's output as it is", async () => {
  const perUser = (ranks: number[]) => metricsFromRanks(Int32Array.from(ranks));
  const t: Table2Input = buildTable2([
    { name: "VBPR", perUser: perUser([3, 12, 30, 1, 7, 50]) },
    { name: "AMR", perUser: perUser([1, 8, 25, 0, 4, 40]) },
  ]);
  const html = await buildReportHtml({ ...MINIMAL, table2: { overall: t } });
  assert.ok(section(html, "table2").includes("<td>AMR</td>"));
});

Deno.test("markdown: same content, figures as relative links, missing items marked", () => {
  const md = buildReportMarkdown(fakeReportInput());
  assert.ok(md.startsWith("# AMR reproduction: Pinterest\n"));
  assert.ok(md.includes("| Users | 3,226 | 3,226 | +0 |"));
  assert.ok(md.includes("0.2030* (paper 0.2033*, -0.0003)"));
  assert.ok(md.includes("![Figure 3: Training curves](figures/figure3.png)"));
  assert.ok(md.includes("[SVG](figures/figure3.svg)"));
  assert.ok(md.includes("| AMR outperforms VBPR on NDCG@10 | Table 2 | holds |"));
  assert.ok(md.includes("### AMR vs VBPR trained on without the adversary (λ = 0 control)"));
  assert.ok(md.includes("| VBPR-continued (λ = 0) | 0.1900 (p = 0.012) | 0.2700 (p = 0.012) |"));
  assert.ok(md.includes("AMR trains more epochs than VBPR in Table 2"));
  assert.match(
    md,
    /\| AMR outperforms VBPR trained on for the same epochs .* on NDCG@10 \| Fig\. 3 \| holds \| AMR 0\.1230 vs VBPR-continued 0\.1170, p = 0\.021/,
  );
  for (const id of REPORT_ITEM_IDS) assert.ok(md.includes(`<a id="${id}"></a>`), id);
  const empty = buildReportMarkdown(MINIMAL, {
    figureLinks: { figure3: { svg: "x/f3.svg" } },
  });
  assert.equal(empty.match(/^> \*\*.*: not produced in this run/gm)?.length, 9);
  const linked = buildReportMarkdown({ ...MINIMAL, figures: fakeReportInput().figures }, {
    figureLinks: { figure3: { svg: "x/f3.svg" } },
  });
  assert.ok(linked.includes("](x/f3.svg)"));
});

Deno.test("report: Holm-adjusted p beside the raw one, in the checklist and per Table 2 block", async () => {
  const input = fakeReportInput();
  const html = await buildReportHtml(input);
  const md = buildReportMarkdown(input);
  // Table 2: every block has 5 baselines x 6 metrics = 30 tests at p = 0.003; Holm: 30 x 0.003.
  const t2 = section(html, "table2");
  for (const subset of ["overall", "cold", "warm"]) {
    const block = t2.slice(t2.indexOf(`id="table2-${subset}"`));
    assert.ok(block.includes("Holm-adjusted over the 30 tests of this block"), subset);
    assert.ok(block.includes('<span class="p">p = 0.003</span><span class="p-holm">Holm 0.09'));
  }
  assert.ok(t2.includes("p &lt; 0.05 for each, unadjusted"));
  assert.ok(md.includes(" p=0.003 (Holm 0.09)"));
  assert.equal(md.match(/Holm-adjusted over the 30 tests of this block/g)?.length, 3);
  // Checklist: the tested claims are AMR > VBPR (Table 2, p = 0.003 twice) and the control
  // (p = 0.012, 0.021); Holm over m = 4 by hand: 0.012, 0.012, 0.024, 0.024.
  const claims = section(html, "claims");
  assert.ok(claims.includes("<th>p</th><th>p (Holm)</th>"));
  assert.match(claims, /ran 4 tests for the 4 claims with a p-value/);
  assert.match(claims, /Verdicts are unadjusted for multiplicity/);
  assert.match(
    claims,
    /data-claim="order\.amr&gt;vbpr\.hr@10">.*<td class="p">0\.003<\/td><td class="p-holm">0\.012<\/td>/,
  );
  assert.match(
    claims,
    /data-claim="control\.amr&gt;vbpr-continued\.ndcg@10">.*<td class="p">0\.021<\/td><td class="p-holm">0\.024<\/td>/,
  );
  assert.match(md, /## Claims checklist\n\n\d+ hold, \d+ fail, .*ran 4 tests for the 4 claims/);
  assert.ok(md.includes("| Claim | Source | Verdict | Ours | Test | p | p (Holm) | Paper |"));
  assert.match(
    md,
    /\| AMR outperforms VBPR on HR@10 \| Table 2 \| holds \| .* \| 0\.003 \| 0\.012 \|/,
  );
});
