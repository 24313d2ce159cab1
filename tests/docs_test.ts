/**
 * References to docs/: every `docs/<file>.md#<section>` named in a tracked source or Markdown file
 * (and every relative link between the docs) points at an existing file and heading, so a
 * comment that cites a design note cannot silently dangle.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

function anchorsOf(markdown: string): Set<string> {
  const out = new Set<string>();
  let fence = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fence = !fence;
    const m = !fence && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) out.add(headingAnchor(m[1]));
  }
  return out;
}

Deno.test("headingAnchor follows GitHub's rule", () => {
  assert.equal(headingAnchor("The WASM heap"), "the-wasm-heap");
  assert.equal(headingAnchor("Data and split"), "data-and-split");
  assert.equal(headingAnchor("The authors' code"), "the-authors-code");
});

Deno.test("every docs/ reference names an existing file and section", async () => {
  const out = await new Deno.Command("git", {
    args: ["ls-files", "*.ts", "*.md"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  const files = new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
  const refs: { from: string; file: string; anchor: string | null }[] = [];
  for (const f of files) {
    const text = await Deno.readTextFile(join(ROOT, f));
    for (const m of text.matchAll(/(?<![\w/.-])docs\/([\w-]+\.md)(?:#([\w-]+))?/g)) {
      refs.push({ from: f, file: m[1], anchor: m[2] ?? null });
    }
    if (f.startsWith("docs/")) {
      for (const m of text.matchAll(/\]\(([\w-]+\.md)(?:#([\w-]+))?\)/g)) {
        refs.push({ from: f, file: m[1], anchor: m[2] ?? null });
      }
    }
  }
  assert.ok(refs.length > 10, `found only ${refs.length} references`);
  const problems: string[] = [];
  for (const r of refs) {
    let text: string;
    try {
      text = await Deno.readTextFile(join(ROOT, "docs", r.file));
    } catch {
      problems.push(`${r.from}: docs/${r.file} does not exist`);
      continue;
    }
    if (r.anchor && !anchorsOf(text).has(r.anchor)) {
      problems.push(`${r.from}: docs/${r.file} has no section #${r.anchor}`);
    }
  }
  assert.deepEqual(problems, []);
});
