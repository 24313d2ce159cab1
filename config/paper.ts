/**
 * The one reader of `configs/paper/table{1,2,3}.json`, the numbers the paper reports: each file
 * is validated against its schema here (errors name the file and the field), and every other
 * module takes the paper's values from {@link paperValues} or {@link paperTables}.
 *
 * The files are imported statically, so they belong to the code fingerprint of every stage
 * that shows them: editing a paper value reruns exactly those stages.
 *
 * @module
 */
import { z } from "zod";
import rawTable1 from "../configs/paper/table1.json" with { type: "json" };
import rawTable2 from "../configs/paper/table2.json" with { type: "json" };
import rawTable3 from "../configs/paper/table3.json" with { type: "json" };
import { fieldIssue } from "../pipeline/stage/mod.ts";

/** The paper's datasets, the keys of `configs/paper/*.json`. */
export const paperDatasetSchema = z.enum(["pinterest", "amazon"]);

/** A paper dataset key. */
export type PaperDataset = z.infer<typeof paperDatasetSchema>;

const fractionSchema = z.number().min(0).max(1);

/** Which paper column of Table 1 a dataset is compared with. */
export function paperDatasetOf(name: string): PaperDataset | null {
  if (name.includes("pinterest")) return "pinterest";
  if (name.includes("amazon")) return "amazon";
  return null;
}

/** Paper's Table 1 row of one dataset. */
export const paperTable1Schema = z.object({
  /** Users. */
  users: z.number().int().min(1),
  /** Items. */
  items: z.number().int().min(1),
  /** Interactions. */
  interactions: z.number().int().min(1),
  /** 1 - interactions / (users * items). */
  sparsity: fractionSchema,
  /** Share of cold-start items in the test set (sec. 4.1.2). */
  coldTestShare: fractionSchema,
  /** Fewest interactions a user keeps after filtering. */
  minPerUser: z.number().int().min(1),
}).strict();

/** One method's row of the paper's Table 2. */
export const paperTable2RowSchema = z.object({
  /** Values in the order of the file's `metrics`. */
  values: z.array(fractionSchema),
  /** RI of AMR over this method (a fraction), absent on AMR's row. */
  ri: z.number().optional(),
  /** Per metric star (AMR's row only). */
  significant: z.array(z.boolean()).optional(),
}).strict();

/** AMR's relative improvement over VBPR on cold and warm test items (sec. 4.2). */
export const paperColdWarmSchema = z.object({
  /** Cold items: metric key to fraction. */
  cold: z.record(z.string(), z.number()),
  /** Warm items: metric key to fraction. */
  warm: z.record(z.string(), z.number()),
}).strict();

const table1FileSchema = z.object({
  /** Where the values come from. */
  source: z.string().min(1),
  /** Rows by paper dataset. */
  datasets: z.record(z.string(), paperTable1Schema),
}).strict();

const table2FileSchema = z.object({
  /** Where the values come from. */
  source: z.string().min(1),
  /** Metric keys, `hr@5` ... `ndcg@20`. */
  metrics: z.array(z.string()).min(1),
  /** Per paper dataset, rows keyed by lower-case method name (`pop`, ..., `amr`). */
  datasets: z.record(z.string(), z.record(z.string(), paperTable2RowSchema)),
  /** Sec. 4.2's cold / warm improvements per paper dataset, with a note on their source. */
  coldWarm: z.object({ note: z.string() }).catchall(paperColdWarmSchema),
}).strict().superRefine((f, ctx) => {
  for (const [ds, rows] of Object.entries(f.datasets)) {
    for (const [method, row] of Object.entries(rows)) {
      if (row.values.length !== f.metrics.length) {
        ctx.addIssue({
          code: "custom",
          path: ["datasets", ds, method, "values"],
          message: `expected ${f.metrics.length} values (one per metric), got ${row.values.length}`,
        });
      }
    }
  }
});

const table3FileSchema = z.object({
  /** Where the values come from. */
  source: z.string().min(1),
  /** Perturbation radii. */
  eps: z.array(z.number().positive()).min(1),
  /** Per paper dataset, the relative NDCG@10 change of VBPR and AMR per eps (negative: a drop). */
  datasets: z.record(z.string(), z.object({ vbpr: z.array(z.number()), amr: z.array(z.number()) })),
}).strict().superRefine((f, ctx) => {
  for (const [ds, row] of Object.entries(f.datasets)) {
    for (const model of ["vbpr", "amr"] as const) {
      if (row[model].length !== f.eps.length) {
        ctx.addIssue({
          code: "custom",
          path: ["datasets", ds, model],
          message: `expected ${f.eps.length} values (one per eps), got ${row[model].length}`,
        });
      }
    }
  }
});

/** Paper's Table 1 row of one dataset. */
export type PaperTable1 = z.infer<typeof paperTable1Schema>;
/** One method's row of the paper's Table 2. */
export type PaperTable2Row = z.infer<typeof paperTable2RowSchema>;
/** AMR's relative improvement over VBPR on cold and warm test items (sec. 4.2). */
export type PaperColdWarm = z.infer<typeof paperColdWarmSchema>;

/** Paper's Table 2 of one dataset. */
export interface PaperTable2 {
  /** Where the values come from. */
  readonly source: string;
  /** Metric keys, `hr@5` ... `ndcg@20`. */
  readonly metrics: readonly string[];
  /** Rows keyed by lower-case method name (`pop`, `mf-eals`, `mf-bpr`, `duif`, `vbpr`, `amr`). */
  readonly methods: Readonly<Record<string, PaperTable2Row>>;
}

/** Paper's Table 3 of one dataset: relative NDCG@10 change under the grad adversary. */
export interface PaperTable3 {
  /** Perturbation radii. */
  readonly eps: readonly number[];
  /** VBPR's relative change per eps (negative: a drop). */
  readonly vbpr: readonly number[];
  /** AMR's relative change per eps. */
  readonly amr: readonly number[];
}

/** Everything the paper reports for one dataset; absent parts were not reported. */
export interface PaperValues {
  /** Dataset key in the paper's config files. */
  readonly dataset: string;
  /** Table 1 row. */
  readonly table1?: PaperTable1;
  /** Table 2. */
  readonly table2?: PaperTable2;
  /** Cold / warm improvements of AMR over VBPR. */
  readonly coldWarm?: PaperColdWarm;
  /** Table 3. */
  readonly table3?: PaperTable3;
}

/** The three validated files. */
export interface PaperTables {
  /** `configs/paper/table1.json`. */
  readonly table1: z.infer<typeof table1FileSchema>;
  /** `configs/paper/table2.json`. */
  readonly table2: z.infer<typeof table2FileSchema>;
  /** `configs/paper/table3.json`. */
  readonly table3: z.infer<typeof table3FileSchema>;
}

/**
 * Validates one paper file's content.
 *
 * @throws Error naming `file` and the field, e.g.
 *   `configs/paper/table3.json: field "datasets.amazon.amr": expected 3 values (one per eps), got 2`
 */
export function parsePaperFile<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  file: string,
): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${file}: ${fieldIssue(i)}`);
  }
  return parsed.data;
}

/** The schemas of the three files, by file name (for {@link parsePaperFile}). */
export const PAPER_FILE_SCHEMAS = {
  "table1.json": table1FileSchema,
  "table2.json": table2FileSchema,
  "table3.json": table3FileSchema,
} as const;

let tables: PaperTables | undefined;

/** The three paper files, validated once. */
export function paperTables(): PaperTables {
  tables ??= {
    table1: parsePaperFile(table1FileSchema, rawTable1, "configs/paper/table1.json"),
    table2: parsePaperFile(table2FileSchema, rawTable2, "configs/paper/table2.json"),
    table3: parsePaperFile(table3FileSchema, rawTable3, "configs/paper/table3.json"),
  };
  return tables;
}

/**
 * The paper's values for a dataset (`pinterest` or `amazon`); parts the paper lacks for it, or
 * all parts for an unknown dataset, are absent.
 *
 * @param dataset dataset key of `configs/paper/*.json`
 */
export function paperValues(dataset: string): PaperValues {
  const { table1, table2, table3 } = paperTables();
  const t1 = Object.hasOwn(table1.datasets, dataset) ? table1.datasets[dataset] : undefined;
  const t2 = Object.hasOwn(table2.datasets, dataset) ? table2.datasets[dataset] : undefined;
  const cw = dataset !== "note" && Object.hasOwn(table2.coldWarm, dataset)
    ? table2.coldWarm[dataset] as PaperColdWarm
    : undefined;
  const t3 = Object.hasOwn(table3.datasets, dataset) ? table3.datasets[dataset] : undefined;
  return {
    dataset,
    ...(t1 === undefined ? {} : { table1: t1 }),
    ...(t2 === undefined
      ? {}
      : { table2: { source: table2.source, metrics: table2.metrics, methods: t2 } }),
    ...(cw === undefined ? {} : { coldWarm: cw }),
    ...(t3 === undefined ? {} : { table3: { eps: table3.eps, vbpr: t3.vbpr, amr: t3.amr } }),
  };
}

/**
 * The paper's numbers under the names of a run's `metrics.json` (report/metrics.ts):
 * `table1.<stat>`, `table2.<method>.<metric>`, `table2.<method>.ri`, `table3.<model>.eps=<e>`,
 * so `amr diff paper` compares like with like.
 *
 * @param dataset dataset key of `configs/paper/*.json`
 */
export function paperMetrics(dataset: string): Record<string, number> {
  const v = paperValues(dataset);
  const out: Record<string, number> = {};
  if (v.table1) {
    for (const k of ["users", "items", "interactions", "sparsity", "coldTestShare"] as const) {
      out[`table1.${k}`] = v.table1[k];
    }
  }
  if (v.table2) {
    for (const [method, row] of Object.entries(v.table2.methods)) {
      v.table2.metrics.forEach((m, i) => out[`table2.${method}.${m}`] = row.values[i]);
      if (row.ri !== undefined) out[`table2.${method}.ri`] = row.ri;
    }
  }
  if (v.table3) {
    v.table3.eps.forEach((e, i) => {
      out[`table3.vbpr.eps=${e}`] = v.table3!.vbpr[i];
      out[`table3.amr.eps=${e}`] = v.table3!.amr[i];
    });
  }
  return out;
}
