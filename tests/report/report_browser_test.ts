/**
 * Opens a report built from fake but complete input in headless Chromium: checks that every
 * table and figure is in the rendered DOM (figures as SVG with text) and keeps a screenshot at
 * `artifacts/test-output/report.png` (git-ignored) for a human to look at. The real smoke
 * report is checked the same way in `tests/e2e_smoke_test.ts`.
 *
 * Needs the Debian package `chromium`; skipped with a message when it is absent. CI installs it
 * with `apt-get update && apt-get install -y chromium` (`.ci/run`).
 */
import { buildReportHtml } from "../../report/html.ts";
import { fakeReportInput } from "./_fixture.ts";
import { checkReportInBrowser, chromiumPresent } from "./_chromium.ts";

Deno.test({
  name: "report in headless Chromium: all items rendered, screenshot kept",
  ignore: !chromiumPresent("report_browser_test"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "amr_report_page_" });
    try {
      const page = `${tmp}/report.html`;
      await Deno.writeTextFile(page, await buildReportHtml(fakeReportInput()));
      await checkReportInBrowser(page, "report.png");
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
