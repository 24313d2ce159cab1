/**
 * docs/overview.md embeds the default profile's stage graph as printed by
 * `deno task amr dag --format mermaid`, between two markers. This test prints the graph again
 * through the real CLI and fails when the copy is out of date; with `UPDATE_DOCS=1` it rewrites
 * the copy instead.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const OVERVIEW = join(ROOT, "docs", "overview.md");
const BEGIN = "<!-- stage-graph:begin";
const END = "<!-- stage-graph:end -->";
const REFRESH = "UPDATE_DOCS=1 deno test --allow-all tests/docs_overview_test.ts";

/** The mermaid text between the markers of `markdown` (without the code fence). */
export function embeddedGraph(markdown: string): { start: number; end: number; graph: string } {
  const begin = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  assert.ok(begin >= 0 && end > begin, `docs/overview.md lacks the markers ${BEGIN} ... ${END}`);
  const open = markdown.indexOf("```mermaid\n", begin);
  const close = markdown.lastIndexOf("```", end);
  assert.ok(open > begin && close > open, "no ```mermaid block between the stage-graph markers");
  const start = open + "```mermaid\n".length;
  return { start, end: close, graph: markdown.slice(start, close) };
}

/** The default target's graph as the CLI prints it (an empty artifacts root: nothing cached). */
async function currentGraph(): Promise<string> {
  const artifacts = await Deno.makeTempDir({ prefix: "docs-overview-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "main.ts", "dag", "--format", "mermaid"],
      cwd: ROOT,
      env: { AMR_ARTIFACTS: artifacts, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `amr dag failed: ${err}`);
    // Compared as `deno fmt` leaves a code block: no trailing blank lines.
    return new TextDecoder().decode(out.stdout).trimEnd() + "\n";
  } finally {
    await Deno.remove(artifacts, { recursive: true });
  }
}

Deno.test("embeddedGraph finds the block between the markers", () => {
  const md = `text\n${BEGIN} x -->\n\n\`\`\`mermaid\ngraph TD\n  a --> b\n\`\`\`\n\n${END}\n`;
  assert.equal(embeddedGraph(md).graph, "graph TD\n  a --> b\n");
});

Deno.test("docs/overview.md holds the default profile's current stage graph", async () => {
  const markdown = await Deno.readTextFile(OVERVIEW);
  const { start, end, graph } = embeddedGraph(markdown);
  const now = await currentGraph();
  assert.ok(now.startsWith("graph TD\n"), `unexpected dag output: ${now.slice(0, 80)}`);
  if (Deno.env.get("UPDATE_DOCS") === "1") {
    await Deno.writeTextFile(OVERVIEW, markdown.slice(0, start) + now + markdown.slice(end));
    return;
  }
  assert.ok(
    graph === now,
    "docs/overview.md's stage graph is out of date (the graph `deno task amr dag --format " +
      `mermaid\` prints now differs); refresh it with: ${REFRESH}`,
  );
});

/** The first TypeScript block after the heading `heading` in `markdown`. */
function codeAfter(markdown: string, heading: string): string {
  const at = markdown.indexOf(heading);
  assert.ok(at >= 0, `docs/overview.md has no heading "${heading}"`);
  const open = markdown.indexOf("```ts\n", at);
  const close = markdown.indexOf("```", open + 6);
  assert.ok(open > at && close > open, `no ts block after "${heading}"`);
  return markdown.slice(open + 6, close);
}

Deno.test("docs/overview.md's 'add a stage' example type-checks against today's code", async () => {
  const markdown = await Deno.readTextFile(OVERVIEW);
  // The example is written as stages/item-counts.ts: its "../" imports resolve from stages/.
  const source = codeAfter(markdown, "## Add a stage in 30 lines")
    .replaceAll('from "../', `from "file://${ROOT}/`);
  const dir = await Deno.makeTempDir({ prefix: "docs-stage-" });
  try {
    const file = join(dir, "item-counts.ts");
    await Deno.writeTextFile(file, source);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", join(ROOT, "deno.json"), file],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
