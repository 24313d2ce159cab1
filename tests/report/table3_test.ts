/**
 * Table 3's extra block in the report (the worst-case test-loss adversary, not in the paper):
 * read from `table3.json`, shown in HTML and Markdown and in `metrics.json` only when the run
 * has it.
 */
import assert from "node:assert/strict";
import { buildReportHtml } from "../../report/html.ts";
import { buildReportMarkdown } from "../../report/markdown.ts";
import { reportMetrics } from "../../report/metrics.ts";
import { assembleReportInput } from "../../report/assemble.ts";
import type { ReportInput } from "../../report/input.ts";
import { fakeReportInput } from "./_fixture.ts";

const TEST_BLOCK = {
  vbpr: [-0.2, -0.35, -0.6],
  amr: [-0.1, -0.2, -0.4],
  note: "Not in the paper: the test loss's gradient.",
};

function withTest(): ReportInput {
  const input = fakeReportInput();
  return { ...input, table3: { ...input.table3!, test: TEST_BLOCK } };
}

Deno.test("report: Table 3's worst-case block shows only when the run has it", async () => {
  const plain = fakeReportInput();
  const md = buildReportMarkdown(plain);
  const html = await buildReportHtml(plain);
  assert.doesNotMatch(md, /not in the paper/i);
  assert.equal(html.includes('id="table3-test"'), false);
  assert.equal(Object.keys(reportMetrics(plain)).some((k) => k.startsWith("table3.test.")), false);

  const input = withTest();
  const md2 = buildReportMarkdown(input);
  assert.match(
    md2,
    /### Table 3, extra block: worst case, test-loss gradient \(not in the paper\)/,
  );
  assert.ok(md2.includes(`_${TEST_BLOCK.note}_`));
  // eps, VBPR and AMR under the worst case, then under the paper's eq. 6 adversary.
  assert.match(md2, /\| 0\.1 \| -35\.0% \| -20\.0% \| -12\.0% \| -6\.0% \|/);
  const html2 = await buildReportHtml(input);
  const block = html2.slice(html2.indexOf('<div id="table3-test">'));
  assert.ok(block.startsWith('<div id="table3-test"><h3>Table 3, extra block: '));
  assert.ok(block.includes("not in the paper"));
  const m = reportMetrics(input);
  assert.equal(m["table3.test.vbpr.eps=0.1"], -0.35);
  assert.equal(m["table3.test.amr.eps=0.2"], -0.4);
});

Deno.test("report: table3.json's test block is read, and a malformed one named", () => {
  const base = fakeReportInput();
  const files = {
    table1: { ours: { ...base.table1 } },
    table2: {},
    table3: { eps: [0.05, 0.1, 0.2], vbpr: [0, 0, 0], amr: [0, 0, 0], test: TEST_BLOCK },
    figureData: {},
  };
  const meta = { ...base, table1: undefined, table2: undefined, table3: undefined };
  const got = assembleReportInput(files, meta);
  assert.deepEqual(got.table3?.test, TEST_BLOCK);
  const noTest = assembleReportInput(
    { ...files, table3: { ...files.table3, test: undefined } },
    meta,
  );
  assert.equal(noTest.table3?.test, undefined);
  assert.throws(
    () =>
      assembleReportInput({
        ...files,
        table3: { ...files.table3, test: { ...TEST_BLOCK, amr: ["x"] } },
      }, meta),
    /table3\.json: test\.amr: expected an array of numbers/,
  );
});
