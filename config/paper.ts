/**
 * The paper's reported numbers for one dataset, read from `configs/paper/table{1,2,3}.json`,
 * in the shape the report compares against.
 *
 * @module
 */

import paperTable1 from "../configs/paper/table1.json" with { type: "json" };
import paperTable2 from "../configs/paper/table2.json" with { type: "json" };
import paperTable3 from "../configs/paper/table3.json" with { type: "json" };

/** Paper's Table 1 row of one dataset. */
export interface PaperTable1 {
  /** Users. */
  readonly users: number;
  /** Items. */
  readonly items: number;
  /** Interactions. */
  readonly interactions: number;
  /** 1 - interactions / (users * items). */
  readonly sparsity: number;
  /** Share of cold-start items in the test set (sec. 4.1.2). */
  readonly coldTestShare: number;
}

/** One method's row of the paper's Table 2. */
export interface PaperTable2Row {
  /** Values in the order of {@link PaperTable2.metrics}. */
  readonly values: readonly number[];
  /** RI of AMR over this method (a fraction), absent on AMR's row. */
  readonly ri?: number;
  /** Per metric star (AMR's row only). */
  readonly significant?: readonly boolean[];
}

/** Paper's Table 2 of one dataset. */
export interface PaperTable2 {
  /** Metric keys, `hr@5` ... `ndcg@20`. */
  readonly metrics: readonly string[];
  /** Rows keyed by lower-case method name (`pop`, `mf-eals`, `mf-bpr`, `duif`, `vbpr`, `amr`). */
  readonly methods: Readonly<Record<string, PaperTable2Row>>;
}

/** AMR's relative improvement over VBPR on cold and warm test items (sec. 4.2). */
export interface PaperColdWarm {
  /** Cold items: metric key to fraction. */
  readonly cold: Readonly<Record<string, number>>;
  /** Warm items: metric key to fraction. */
  readonly warm: Readonly<Record<string, number>>;
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

/**
 * The paper's values for a dataset (`pinterest` or `amazon`); parts the paper lacks for it, or
 * all parts for an unknown dataset, are absent.
 *
 * @param dataset dataset key of `configs/paper/*.json`
 */
export function paperValues(dataset: string): PaperValues {
  const t1 = (paperTable1.datasets as Record<string, PaperTable1>)[dataset];
  const t2 = (paperTable2.datasets as Record<string, Record<string, PaperTable2Row>>)[dataset];
  const cw = (paperTable2.coldWarm as unknown as Record<string, PaperColdWarm>)[dataset];
  const t3 = (paperTable3.datasets as Record<string, { vbpr: number[]; amr: number[] }>)[dataset];
  return {
    dataset,
    ...(t1 === undefined ? {} : { table1: t1 }),
    ...(t2 === undefined ? {} : { table2: { metrics: paperTable2.metrics, methods: t2 } }),
    ...(cw === undefined ? {} : { coldWarm: cw }),
    ...(t3 === undefined ? {} : { table3: { eps: paperTable3.eps, vbpr: t3.vbpr, amr: t3.amr } }),
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
