/**
 * The import-rule checker behind tests/architecture_test.ts: the module graph of the repository
 * (from `deno info --json`), the folder table of docs/architecture.md, and the checks (layer
 * violations, import cycles, modules reachable from given roots).
 */
import { join } from "node:path";

/** Module graph: repository-relative path -> the repository-relative paths it imports. */
export type ImportGraph = Map<string, Set<string>>;

/** One row of the folder table: a folder (or root file) and the folders it may import. */
export interface LayerRule {
  /** Folder with a trailing slash (`stages/lib/`) or a root file (`main.ts`). */
  unit: string;
  /** Units it may import; `"*"` stands for every unit. */
  mayImport: string[];
}

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
}

/**
 * The import graph of `files` (repository-relative) and of every local module they reach, code
 * and type-only imports alike, resolved by Deno with the repository's `deno.json`.
 */
export async function importGraph(root: string, files: string[]): Promise<ImportGraph> {
  const dir = await Deno.makeTempDir({ prefix: "amr-imports-" });
  try {
    const entry = join(dir, "all.ts");
    const lines = files.map((f) => `import ${JSON.stringify(`file://${join(root, f)}`)};`);
    await Deno.writeTextFile(entry, lines.join("\n") + "\n");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", join(root, "deno.json"), entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`deno info: ${new TextDecoder().decode(out.stderr)}`);
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
    const prefix = `file://${root}/`;
    const local = (s: string | undefined) =>
      s?.startsWith(prefix) ? decodeURIComponent(s.slice(prefix.length)) : null;
    const graph: ImportGraph = new Map();
    for (const m of info.modules) {
      const from = local(m.specifier);
      if (!from) continue;
      const deps = new Set<string>();
      for (const d of m.dependencies ?? []) {
        for (const s of [d.code?.specifier, d.type?.specifier]) {
          const to = local(s);
          if (to) deps.add(to);
        }
      }
      graph.set(from, deps);
    }
    return graph;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Parses the folder table (the first Markdown table whose header starts `| folder`). */
export function parseLayerTable(markdown: string, source = "docs/architecture.md"): LayerRule[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => /^\|\s*folder\s*\|/.test(l));
  if (start < 0) throw new Error(`${source}: no table with a "folder" column`);
  const rules: LayerRule[] = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith("|"); i++) {
    const cells = lines[i].split("|").slice(1, -1).map((c) => c.trim());
    const unit = cells[0]?.match(/^`([^`]+)`$/)?.[1];
    if (!unit) throw new Error(`${source}:${i + 1}: first cell must be a \`folder/\` or \`file\``);
    const may = cells[1] ?? "";
    const mayImport = may === "everything"
      ? ["*"]
      : may === "—"
      ? []
      : [...may.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    if (may !== "—" && may !== "everything" && mayImport.length === 0) {
      throw new Error(
        `${source}:${i + 1}: "may import" must list \`folders\`, "—" or "everything"`,
      );
    }
    rules.push({ unit, mayImport });
  }
  return rules;
}

/** The unit (longest matching folder, or the root file itself) of a path; null if none. */
export function unitOf(path: string, rules: readonly LayerRule[]): string | null {
  let best: string | null = null;
  for (const { unit } of rules) {
    const hit = unit.endsWith("/") ? path.startsWith(unit) : path === unit;
    if (hit && (best === null || unit.length > best.length)) best = unit;
  }
  return best;
}

/**
 * Every import that the table does not allow (imports within a unit, and from a folder into its
 * own sub-folders, always are), and every module outside the table.
 */
export function layerViolations(graph: ImportGraph, rules: readonly LayerRule[]): string[] {
  const byUnit = new Map(rules.map((r) => [r.unit, r]));
  const out: string[] = [];
  for (const [from, deps] of [...graph].sort(([a], [b]) => a < b ? -1 : 1)) {
    const u = unitOf(from, rules);
    if (u === null) {
      out.push(`${from}: in no folder of the table`);
      continue;
    }
    const allowed = byUnit.get(u)!.mayImport;
    for (const to of [...deps].sort()) {
      const v = unitOf(to, rules);
      if (v === null) out.push(`${from} imports ${to}, which is in no folder of the table`);
      else if (
        v !== u && !(u.endsWith("/") && v.startsWith(u)) && !allowed.includes("*") &&
        !allowed.includes(v)
      ) {
        out.push(`${from} imports ${to}: ${u} may not import ${v}`);
      }
    }
  }
  return out;
}

/** Cycles (strongly connected components with more than one module, or a self-import). */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) cycles.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** The modules reachable from `roots` (roots included). */
export function reachable(graph: ImportGraph, roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const v = todo.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    todo.push(...(graph.get(v) ?? []));
  }
  return seen;
}

/** Cycles in the table's own "may import" relation (the rows must form layers). */
export function tableCycles(rules: readonly LayerRule[]): string[][] {
  const graph: ImportGraph = new Map(
    rules.map((r) => [
      r.unit,
      new Set(r.mayImport.includes("*") ? [] : r.mayImport.filter((u) => u !== r.unit)),
    ]),
  );
  return importCycles(graph);
}
