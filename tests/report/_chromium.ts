/**
 * Headless Chromium for the report tests: whether it is installed, running it, and the checks
 * that every report item is in the rendered DOM.
 *
 * Needs the Debian package `chromium` (`.ci/run` installs it); tests skip with a message when
 * `/usr/bin/chromium` (or `$CHROMIUM`) is absent.
 */
import assert from "node:assert/strict";
import { REPORT_ITEM_IDS } from "../../report/input.ts";

/** The Chromium binary. */
export const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";

/** Where screenshots are kept for a human to look at (git-ignored). */
export const OUT_DIR = new URL("../../artifacts/test-output/", import.meta.url);

/** Whether the Chromium binary exists; prints why a test is skipped when it does not. */
export function chromiumPresent(test: string): boolean {
  try {
    if (Deno.statSync(CHROMIUM).isFile) return true;
  } catch {
    // absent
  }
  console.warn(
    `${test}: SKIPPED, ${CHROMIUM} not found (install it: apt-get update && apt-get install -y chromium)`,
  );
  return false;
}

/** Runs headless Chromium with a throw-away profile; returns stdout. */
export async function chromium(userDataDir: string, args: string[]): Promise<string> {
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

/** Asserts every table (with cells) and figure (an SVG with text) is in the rendered DOM. */
export function assertReportItems(dom: string): void {
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
}

/** Renders a page's DOM, checks every item, and keeps a PNG screenshot as `OUT_DIR/<name>`. */
export async function checkReportInBrowser(page: string, screenshot: string): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "amr_report_browser_" });
  try {
    await Deno.mkdir(OUT_DIR, { recursive: true });
    const shot = new URL(screenshot, OUT_DIR).pathname;
    // One launch: the DOM goes to stdout, the screenshot to its file.
    const dom = await chromium(`${tmp}/profile`, [
      "--dump-dom",
      "--hide-scrollbars",
      `--screenshot=${shot}`,
      "--window-size=1280,4000",
      `file://${page}`,
    ]);
    assertReportItems(dom);
    const png = await Deno.readFile(shot);
    assert.deepEqual([...png.subarray(0, 4)], [137, 80, 78, 71]);
    assert.ok(png.length > 50_000, `screenshot suspiciously small (${png.length} bytes)`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}
