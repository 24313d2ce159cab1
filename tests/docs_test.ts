/**
 * References to docs/: every `docs/<file>.md#<section>` named in a tracked source or Markdown file
 * (and every relative link between the docs) points at an existing file and heading, so a
 * comment that cites a design note cannot silently dangle. Every relative Markdown link of
 * README.md and docs/*.md (images and `#anchors` included) resolves, and the README stays a
 * short entry page that links every docs page.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

/** The anchors of a Markdown file's headings; a repeated heading gets `-1`, `-2`, ... as on GitHub. */
export function anchorsOf(markdown: string): Set<string> {
  const out = new Set<string>();
  let fence = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fence = !fence;
    const m = !fence && /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const base = headingAnchor(m[1]);
    let anchor = base;
    for (let k = 1; out.has(anchor); k++) anchor = `${base}-${k}`;
    out.add(anchor);
  }
  return out;
}

/** A relative link of a Markdown file: its target path (empty: the file itself) and anchor. */
export interface MarkdownLink {
  target: string;
  anchor: string | null;
  line: number;
}

/**
 * The relative links (`[text](target)`, `![alt](target)`) of a Markdown file, outside fenced
 * code and inline code; links with a scheme (`https:`, `mailto:`) are left out.
 */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const out: MarkdownLink[] = [];
  let fence = false;
  markdown.split("\n").forEach((raw, i) => {
    if (raw.trimStart().startsWith("```")) {
      fence = !fence;
      return;
    }
    if (fence) return;
    const line = raw.replace(/`[^`]*`/g, "``");
    for (const m of line.matchAll(/\]\(([^()\s]+)(?:\s+"[^"]*")?\)/g)) {
      const href = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue;
      const hash = href.indexOf("#");
      out.push({
        target: hash < 0 ? href : href.slice(0, hash),
        anchor: hash < 0 ? null : href.slice(hash + 1),
        line: i + 1,
      });
    }
  });
  return out;
}

async function markdownPages(): Promise<string[]> {
  const out = await new Deno.Command("git", {
    args: ["ls-files", "--cached", "--others", "--exclude-standard", "README.md", "docs/*.md"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  return [...new Set(new TextDecoder().decode(out.stdout).split("\n").filter(Boolean))].sort();
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

Deno.test("relativeLinks finds links and images outside code", () => {
  const md = [
    "See [a](a.md#x), ![fig](img/f.svg) and [web](https://example.org).",
    "`[not](code.md)` [same](#here)",
    "```",
    "[fenced](no.md)",
    "```",
  ].join("\n");
  assert.deepEqual(relativeLinks(md), [
    { target: "a.md", anchor: "x", line: 1 },
    { target: "img/f.svg", anchor: null, line: 1 },
    { target: "", anchor: "here", line: 2 },
  ]);
  assert.deepEqual([...anchorsOf("# A\n## A\n## A")], ["a", "a-1", "a-2"]);
});

Deno.test("every relative link of README.md and docs/*.md resolves, anchors included", async () => {
  const problems: string[] = [];
  let links = 0;
  for (const page of await markdownPages()) {
    const text = await Deno.readTextFile(join(ROOT, page));
    for (const link of relativeLinks(text)) {
      links++;
      const where = `${page}:${link.line}: (${link.target}${link.anchor ? "#" + link.anchor : ""})`;
      const path = link.target === ""
        ? join(ROOT, page)
        : normalize(join(ROOT, dirname(page), decodeURIComponent(link.target)));
      if (relative(ROOT, path).startsWith("..")) {
        problems.push(`${where} points outside the repository`);
        continue;
      }
      let target: string;
      try {
        const info = await Deno.stat(path);
        if (!info.isFile) {
          if (link.anchor) problems.push(`${where} has an anchor but names a folder`);
          continue;
        }
        if (link.anchor === null) continue;
        target = await Deno.readTextFile(path);
      } catch {
        problems.push(`${where} names a missing file`);
        continue;
      }
      if (!path.endsWith(".md")) problems.push(`${where} has an anchor into a non-Markdown file`);
      else if (!anchorsOf(target).has(link.anchor)) {
        problems.push(`${where} names no heading of ${relative(ROOT, path)}`);
      }
    }
  }
  assert.ok(links > 30, `found only ${links} links`);
  assert.deepEqual(problems, []);
});

Deno.test("README.md is a short entry page that links every docs page", async () => {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const lines = readme.trimEnd().split("\n");
  assert.ok(lines.length <= 250, `README.md has ${lines.length} lines; move detail to docs/`);
  const wide = lines.map((l, i) => ({ l, i })).filter(({ l }) => l.length > 120);
  assert.deepEqual(wide.map(({ i, l }) => `README.md:${i + 1}: ${l.length} characters`), []);
  const linked = new Set(relativeLinks(readme).map((l) => l.target));
  const pages = (await markdownPages()).filter((p) => p.startsWith("docs/"));
  assert.deepEqual(pages.filter((p) => !linked.has(p)), [], "docs pages the README never links");
});
