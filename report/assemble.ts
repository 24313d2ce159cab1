/**
 * Builds the report's input (`input.ts`) from the files the pipeline wrote (`table1.json`,
 * `table2.json`, `perturb-test`'s `table3.json`, `plot`'s `figure_data.json`) and its
 * provenance from the manifests of the entries that produced them (the engine hands a stage
 * with `inputManifests: true` those manifests, by input name).
 *
 * @module
 */
import type { Manifest } from "../pipeline/stage/mod.ts";
import type { FigureData } from "../figures/specs.ts";
import type {
  ControlSet,
  NodeSource,
  ProvenanceEntry,
  ReportInput,
  ReportItemId,
  Table1Input,
  Table2Set,
  TableSources,
} from "./input.ts";

/** The parsed files a report is built from. */
export interface ReportFiles {
  /** `table1.json` of the table1 stage (`{ ours: {...} }`). */
  table1: unknown;
  /** `table2.json` of the table2 stage (`{ overall, cold, warm }`). */
  table2: unknown;
  /** `table3.json` of perturb-test (`{ eps, vbpr, amr }`). */
  table3: unknown;
  /** `figure_data.json` of the plot stage. */
  figureData: FigureData;
  /** The lambda = 0 control, built from the evaluations' `metrics.npy` (`control.ts`). */
  control?: ControlSet;
}

/** What a report shows besides the results. */
export type ReportMeta = Omit<ReportInput, "table1" | "table2" | "table3" | "figures" | "control">;

function record(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== "object") throw new Error(`${what}: expected an object`);
  return v as Record<string, unknown>;
}

function nums(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "number")) {
    throw new Error(`${what}: expected an array of numbers`);
  }
  return v as number[];
}

function text(v: unknown, what: string): string {
  if (typeof v !== "string") throw new Error(`${what}: expected a string`);
  return v;
}

/** Table 1 of a report from `table1.json`. */
export function table1Input(json: unknown): Table1Input {
  const ours = record(record(json, "table1.json").ours, "table1.json: ours");
  const n = (k: string): number => {
    const v = ours[k];
    if (typeof v !== "number") throw new Error(`table1.json: ours.${k}: expected a number`);
    return v;
  };
  return {
    users: n("users"),
    items: n("items"),
    interactions: n("interactions"),
    sparsity: n("sparsity"),
    coldTestShare: n("coldTestShare"),
    ...(typeof ours.coldTestItemShare === "number"
      ? { coldTestItemShare: ours.coldTestItemShare }
      : {}),
  };
}

/** JSON turns NaN into null; the report reads null RI / p-values as "not defined". */
export function table2Input(json: unknown): Table2Set {
  const t = record(json, "table2.json");
  const out: Record<string, unknown> = {};
  for (const subset of ["overall", "cold", "warm"]) {
    if (t[subset] !== undefined && t[subset] !== null) {
      out[subset] = record(t[subset], `table2.json: ${subset}`);
    }
  }
  return out as Table2Set;
}

/** The report input from the pipeline's files and the report's metadata. */
export function assembleReportInput(files: ReportFiles, meta: ReportMeta): ReportInput {
  const t3 = record(files.table3, "table3.json");
  const t3Test = t3.test === undefined ? undefined : record(t3.test, "table3.json: test");
  return {
    ...meta,
    table1: table1Input(files.table1),
    table2: table2Input(files.table2),
    table3: {
      eps: nums(t3.eps, "table3.json: eps"),
      vbpr: nums(t3.vbpr, "table3.json: vbpr"),
      amr: nums(t3.amr, "table3.json: amr"),
      ...(t3Test === undefined ? {} : {
        test: {
          vbpr: nums(t3Test.vbpr, "table3.json: test.vbpr"),
          amr: nums(t3Test.amr, "table3.json: test.amr"),
          note: text(t3Test.note, "table3.json: test.note"),
        },
      }),
    },
    figures: files.figureData,
    ...(files.control === undefined ? {} : { control: files.control }),
  };
}

/**
 * The node and store key behind each number of Tables 1-3: Table 1 and Table 3 from their
 * nodes' manifests, Table 2's cells from each method's evaluation node (`eval-<method>`, as the
 * table2 entry records its inputs) and its RI and stars from the table2 node.
 */
export function tableSources(
  manifests: Readonly<Record<string, Readonly<Manifest>>>,
  inputs: { table1: string; table2: string; table3: string },
): TableSources {
  const src = (m: Readonly<Manifest> | undefined): NodeSource | undefined =>
    m === undefined ? undefined : { node: m.node, key: m.key };
  const t2 = manifests[inputs.table2];
  const methods: Record<string, NodeSource> = {};
  for (const rec of Object.values(t2?.inputs ?? {})) {
    const m = /^eval-(.+)$/.exec(rec.node);
    if (m) methods[m[1]] = { node: rec.node, key: rec.key };
  }
  const table1 = src(manifests[inputs.table1]);
  const table3 = src(manifests[inputs.table3]);
  return {
    ...(table1 ? { table1 } : {}),
    ...(t2 ? { table2: { table: src(t2)!, methods } } : {}),
    ...(table3 ? { table3 } : {}),
  };
}

/** One provenance entry from a manifest. */
export function provenanceEntry(m: Readonly<Manifest>): ProvenanceEntry {
  return {
    stage: m.node === m.stage ? m.node : `${m.node} (${m.stage})`,
    key: m.key,
    params: m.params as Record<string, unknown>,
    seed: m.seed,
    durationMs: m.durationMs,
  };
}

/**
 * Provenance per report item: for each item, the manifests of the named inputs (each entry
 * once), then, with `expand`, the entries those manifests read (node and key only: e.g. the
 * grid runs behind a sweep).
 *
 * @param manifests manifests by the report stage's input name
 * @param items input names behind each item
 * @param expand input names whose own inputs are listed too
 */
export function provenanceOf(
  manifests: Readonly<Record<string, Readonly<Manifest>>>,
  items: Readonly<Partial<Record<ReportItemId, readonly string[]>>>,
  expand: readonly string[] = [],
): Partial<Record<ReportItemId, ProvenanceEntry[]>> {
  const out: Partial<Record<ReportItemId, ProvenanceEntry[]>> = {};
  for (const [id, names] of Object.entries(items) as [ReportItemId, readonly string[]][]) {
    const seen = new Set<string>();
    const entries: ProvenanceEntry[] = [];
    for (const name of names) {
      const m = manifests[name];
      if (!m) throw new Error(`provenance of ${id}: no manifest for input "${name}"`);
      if (!seen.has(m.key)) {
        seen.add(m.key);
        entries.push(provenanceEntry(m));
      }
      if (!expand.includes(name)) continue;
      for (const rec of Object.values(m.inputs)) {
        if (seen.has(rec.key)) continue;
        seen.add(rec.key);
        entries.push({ stage: rec.node, key: rec.key });
      }
    }
    out[id] = entries;
  }
  return out;
}
