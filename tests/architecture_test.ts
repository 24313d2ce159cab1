/**
 * Import rules (docs/architecture.md): the folder table's layering, the engine importing no
 * project module, the numerical core importing no stage or plan, no import cycles, stages
 * reaching only the stage API, and the engine entered by its two doors. The checker is tested on a synthetic graph
 * first, so a broken rule cannot pass unnoticed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  importCycles,
  type ImportGraph,
  importGraph,
  type LayerRule,
  layerViolations,
  parseLayerTable,
  reachable,
  tableCycles,
} from "./architecture.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

function graphOf(edges: Record<string, string[]>): ImportGraph {
  const g: ImportGraph = new Map();
  for (const [from, to] of Object.entries(edges)) {
    g.set(from, new Set(to));
    for (const t of to) if (!g.has(t)) g.set(t, new Set());
  }
  return g;
}

const TOY_RULES: LayerRule[] = [
  { unit: "main.ts", mayImport: ["app/"] },
  { unit: "app/", mayImport: ["core/"] },
  { unit: "app/lib/", mayImport: ["core/"] },
  { unit: "core/", mayImport: [] },
  { unit: "tests/", mayImport: ["*"] },
];

Deno.test("the checker reports an upward import, an unlisted folder and a cycle", () => {
  const ok = graphOf({
    "main.ts": ["app/a.ts"],
    "app/a.ts": ["app/lib/b.ts", "core/c.ts"],
    "app/lib/b.ts": ["core/c.ts"],
    "tests/t.ts": ["app/a.ts", "core/c.ts"],
  });
  assert.deepEqual(layerViolations(ok, TOY_RULES), []);
  assert.deepEqual(importCycles(ok), []);

  const bad = graphOf({
    "main.ts": ["app/a.ts"],
    "app/a.ts": ["core/c.ts"],
    "core/c.ts": ["app/lib/b.ts", "core/d.ts"], // upward
    "core/d.ts": ["core/e.ts"],
    "core/e.ts": ["core/d.ts"], // cycle inside one folder
    "extra/x.ts": ["core/c.ts"], // outside the table
    "app/lib/b.ts": [],
  });
  assert.deepEqual(layerViolations(bad, TOY_RULES), [
    "core/c.ts imports app/lib/b.ts: core/ may not import app/lib/",
    "extra/x.ts: in no folder of the table",
  ]);
  assert.deepEqual(importCycles(bad), [["core/d.ts", "core/e.ts"]]);
  assert.deepEqual(importCycles(graphOf({ "a.ts": ["a.ts"] })), [["a.ts"]]);
  assert.deepEqual(
    reachable(bad, ["app/a.ts"]),
    new Set(["app/a.ts", "core/c.ts", "app/lib/b.ts", "core/d.ts", "core/e.ts"]),
  );
  assert.deepEqual(tableCycles([...TOY_RULES, { unit: "core/", mayImport: ["app/"] }]).length, 1);
});

Deno.test("the table parser reads folders and their allowed imports", () => {
  const md = [
    "| folder | may import | what |",
    "| --- | --- | --- |",
    "| `a/` | `b/`, `c.ts` | x |",
    "| `b/` | — | y |",
    "| `t/` | everything | z |",
    "",
    "| other | table |",
  ].join("\n");
  assert.deepEqual(parseLayerTable(md), [
    { unit: "a/", mayImport: ["b/", "c.ts"] },
    { unit: "b/", mayImport: [] },
    { unit: "t/", mayImport: ["*"] },
  ]);
  assert.throws(() => parseLayerTable("| folder | may import |\n|-|-|\n| a/ | — |"), /first cell/);
  assert.throws(() => parseLayerTable("| folder | may import |\n|-|-|\n| `a/` | b |"), /must list/);
});

const rules = parseLayerTable(await Deno.readTextFile(join(ROOT, "docs/architecture.md")));
const files = new TextDecoder().decode(
  (await new Deno.Command("git", { args: ["ls-files", "*.ts"], cwd: ROOT, stdout: "piped" })
    .output()).stdout,
).split("\n").filter(Boolean);

/** The units a unit may import, transitively (itself included). */
function mayReach(unit: string): Set<string> {
  const seen = new Set<string>();
  const todo = [unit];
  while (todo.length > 0) {
    const u = todo.pop()!;
    if (seen.has(u)) continue;
    seen.add(u);
    todo.push(...(rules.find((r) => r.unit === u)?.mayImport ?? []));
  }
  return seen;
}

const isEngine = (unit: string) => unit.startsWith("pipeline/");
const ENGINE_DOORS = ["pipeline/mod.ts", "pipeline/stage/mod.ts"];

Deno.test("docs/architecture.md's table forms layers and keeps the required rules", () => {
  const units = new Set(rules.map((r) => r.unit));
  assert.deepEqual(tableCycles(rules), []);
  for (const r of rules) {
    for (const u of r.mayImport) {
      if (u !== "*") assert.ok(units.has(u), `${r.unit} may import ${u}, which is no row`);
    }
    if (!r.unit.startsWith("tests/")) {
      assert.ok(!r.mayImport.some((u) => u === "*" || u.startsWith("tests/")), r.unit);
    }
    if (isEngine(r.unit)) {
      assert.deepEqual(
        r.mayImport.filter((u) => !isEngine(u)),
        [],
        `${r.unit} imports the project`,
      );
    }
  }
  const may = (u: string) => rules.find((r) => r.unit === u)?.mayImport;
  for (const u of ["stages/", "stages/lib/", "plan/"]) {
    assert.ok(!may("models/")!.includes(u), `models/ may not import ${u}`);
  }
  for (const u of mayReach("stages/")) {
    if (isEngine(u)) assert.equal(u, "pipeline/stage/", `a stage may reach ${u}`);
  }
  const packages = rules.filter((r) => /^pipeline\/[^/]+\/$/.test(r.unit)).map((r) => r.unit);
  assert.ok(packages.length >= 5, `engine packages: ${packages}`);
  for (const p of packages) assert.ok(files.includes(`${p}mod.ts`), `${p} has no mod.ts`);
  const loose = files.filter((f) => /^pipeline\/[^/]+\.ts$/.test(f));
  assert.deepEqual(loose, ["pipeline/mod.ts"], "loose modules in pipeline/");
});

Deno.test("the repository's imports keep the table, form no cycle and enter the engine by its doors", async () => {
  const graph = await importGraph(ROOT, files);
  for (const f of files) assert.ok(graph.has(f), `${f} missing from deno info's graph`);
  assert.deepEqual(layerViolations(graph, rules), []);
  assert.deepEqual(importCycles(graph), []);
  const deep: string[] = [];
  for (const [from, deps] of graph) {
    if (isEngine(from) || from.startsWith("tests/")) continue;
    for (const to of deps) {
      if (isEngine(to) && !ENGINE_DOORS.includes(to)) deep.push(`${from} imports ${to}`);
    }
  }
  assert.deepEqual(deep, [], "outside the engine, import pipeline/mod.ts or pipeline/stage/mod.ts");
  const stageModules = files.filter((f) => /^stages\/[^/]+\.ts$/.test(f));
  assert.ok(stageModules.length > 10, `stage modules: ${stageModules}`);
  const fromStages = [...reachable(graph, stageModules)].filter(isEngine);
  assert.deepEqual(fromStages.filter((m) => !m.startsWith("pipeline/stage/")), []);
});
