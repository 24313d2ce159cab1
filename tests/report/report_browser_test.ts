/**
 * Opens a report built from fake but complete input in headless Chromium: checks that every
 * table and figure is in the rendered DOM (figures as SVG with text) and keeps a screenshot at
 * `artifacts/test-output/report.png` (git-ignored) for a human to look at.
 *
 * Needs the Debian package `chromium`; skipped with a message when `/usr/bin/chromium` is
 * absent. CI installs it with:
 *   apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
 */
import assert from "node:assert/strict";
import { buildReportHtml } from "../../stages/lib/report/html.ts";
import { REPORT_ITEM_IDS } from "../../stages/lib/report/input.ts";
import { fakeReportInput } from "./_fixture.ts";

const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";
const OUT_DIR = new URL("../../artifacts/test-output/", import.meta.url);

function chromiumPresent(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

const PRESENT = chromiumPresent();
if (!PRESENT) {
  console.warn(
    `report_browser_test: skipped, ${CHROMIUM} not found (apt-get install -y chromium)`,
  );
}

async function chromium(userDataDir: string, args: string[]): Promise<string> {
  const cmd = new Deno.Command(CHROMIUM, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      `--user-data-dir=${userDataDir}`,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  const stdout = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`chromium failed (${out.code}): ${new TextDecoder().decode(out.stderr)}`);
  }
  return stdout;
}

Deno.test({
  name: "report in headless Chromium: all items rendered, screenshot kept",
  ignore: !PRESENT,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const tmp = await Deno.makeTempDir({ prefix: "amr_report_browser_" });
    try {
      const page = `${tmp}/report.html`;
      await Deno.writeTextFile(page, await buildReportHtml(fakeReportInput()));
      const url = `file://${page}`;

      const dom = await chromium(`${tmp}/profile-dom`, ["--dump-dom", url]);
      for (const id of REPORT_ITEM_IDS) {
        const start = dom.indexOf(`id="${id}"`);
        assert.ok(start >= 0, `${id} missing from the rendered DOM`);
        const block = dom.slice(start, dom.indexOf("</section>", start));
        assert.ok(!block.includes("not produced in this run"), `${id} marked missing`);
        if (id.startsWith("figure")) {
          assert.match(block, /<svg[\s\S]*<text[^>]*>[^<]+<\/text>/, `${id}: no SVG text`);
        } else {
          assert.match(block, /<table>[\s\S]*<td/, `${id}: no table cells`);
        }
      }

      await Deno.mkdir(OUT_DIR, { recursive: true });
      const shot = new URL("report.png", OUT_DIR).pathname;
      await chromium(`${tmp}/profile-shot`, [
        "--hide-scrollbars",
        `--screenshot=${shot}`,
        "--window-size=1280,4000",
        url,
      ]);
      const png = await Deno.readFile(shot);
      assert.deepEqual([...png.subarray(0, 4)], [137, 80, 78, 71]);
      assert.ok(png.length > 50_000, `screenshot suspiciously small (${png.length} bytes)`);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
