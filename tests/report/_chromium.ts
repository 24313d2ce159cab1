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

/**
 * Asserts that the numbers of Tables 1-3 link to their nodes and that every such link resolves
 * to an element of the rendered page naming that node's store key: each Table 2 value of ours,
 * Table 1's "Ours" column, Table 3's two "(ours)" columns. Returns the number of links.
 */
export function assertProvenanceLinks(dom: string): number {
  const section = (id: string) => {
    const start = dom.indexOf(`<section id="${id}"`);
    assert.ok(start >= 0, `section ${id} missing`);
    return dom.slice(start, dom.indexOf("</section>", start));
  };
  const links = [
    ...dom.matchAll(
      /<a class="src" href="#(src-([0-9a-f]{64}))" title="node ([^"]+), store key ([0-9a-f]{64})">/g,
    ),
  ];
  for (const [, id, key, _node, titleKey] of links) {
    assert.equal(key, titleKey);
    const target = new RegExp(`<tr id="${id}">([\\s\\S]*?)</tr>`).exec(dom);
    assert.ok(target, `link #${id} resolves to nothing`);
    assert.ok(target[1].includes(key), `#${id} does not name store key ${key}`);
  }
  const count = (html: string) => (html.match(/<a class="src" href="#src-/g) ?? []).length;
  const rows = (html: string) => (html.match(/<tr><td>/g) ?? []).length;
  const t1 = section("table1").split("<details>")[0];
  assert.equal(count(t1), rows(t1), "every Table 1 statistic of ours links to its node");
  const t3 = section("table3").split("<details>")[0];
  assert.equal(count(t3), 2 * rows(t3), "every Table 3 value of ours links to its node");
  const t2 = section("table2").split('<div id="table2-control">')[0];
  const values = t2.match(/<td class="num">(?!–)/g) ?? []; // "–": no value (AMR's own RI)
  assert.ok(values.length > 0);
  assert.equal(count(t2), values.length, "every Table 2 value of ours (and RI) links to its node");
  return links.length;
}

/** Renders a page's DOM, checks every item, and keeps a PNG screenshot as `OUT_DIR/<name>`. */
export async function checkReportInBrowser(page: string, screenshot: string): Promise<string> {
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
    return dom;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}
