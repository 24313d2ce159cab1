/**
 * Stage `table2`: the paper's Table 2 (HR@5/10/20, NDCG@5/10/20, RI of AMR over each method,
 * stars from a paired t-test over users) for POP, MF-eALS, MF-BPR, DUIF, VBPR and AMR, over all
 * test users and separately over users whose test item is cold or warm.
 *
 * Inputs: each method's `metrics.npy` of its `evaluate` node (`pop`, `mf_eals`, `mf_bpr`,
 * `duif`, `vbpr`, `amr`) and one `cold.npy`. Users whose row is NaN in any method (no target)
 * are left out. Ranks are not needed: they are rebuilt from the metrics, censored at 20, which
 * gives the same metrics at every cutoff.
 *
 * Outputs: `table2.csv`, `table2.md` (ours, then the paper's values for the paper dataset named
 * by `paper`, then ours minus the paper's), `table2.tex`, `table2_cold.md`, `table2_warm.md`
 * (with AMR's gain over VBPR beside the paper's sec. 4.2 figures), `table2.json` (all values,
 * RI, p-values, stars, user counts).
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { readNpy } from "../io/npy.ts";
import { metricNames, PAPER_CUTOFFS, rankOfGain, type UserMetrics } from "../models/evaluation.ts";
import {
  buildTable2,
  type MethodEvaluation,
  type Table2,
  table2PValues,
} from "../tables/table2.ts";
import { type Cell, toCsv, toLatex, toMarkdown } from "../tables/format.ts";
import { writeJson } from "../io/json.ts";
import { fmt, fmtDiff, fmtPct, fmtPp } from "../tables/numbers.ts";
import { methodName, METHODS, OURS } from "../config/methods.ts";
import { ALPHA } from "../config/protocol.ts";
import {
  type PaperColdWarm,
  paperDatasetSchema,
  type PaperTable2,
  paperValues,
} from "../config/paper.ts";

/**
 * Per-user metrics from a `metrics.npy` matrix (`[users, 6]`, Table 2 order) restricted to
 * `keep` users. Ranks are rebuilt from NDCG@20 (exact below 20, 20 otherwise).
 */
export function userMetricsFromMatrix(m: Float32Array, keep: readonly number[]): UserMetrics {
  const cutoffs = [...PAPER_CUTOFFS];
  const cols = 2 * cutoffs.length;
  const hr = cutoffs.map(() => new Float64Array(keep.length));
  const ndcg = cutoffs.map(() => new Float64Array(keep.length));
  const ranks = new Int32Array(keep.length);
  const maxCut = Math.max(...cutoffs);
  keep.forEach((u, r) => {
    for (let c = 0; c < cutoffs.length; c++) {
      hr[c][r] = m[u * cols + c];
      ndcg[c][r] = m[u * cols + cutoffs.length + c];
    }
    const g = ndcg[cutoffs.length - 1][r];
    ranks[r] = rankOfGain(g, maxCut);
  });
  return { cutoffs, ranks, hr, ndcg };
}

/** A relative gain or RI as this stage writes it: two decimals of a percent. */
function pct(v: number | null | undefined): string {
  return fmtPct(v, { digits: 2 });
}

/** AMR's relative gain over VBPR on one metric of a built table. */
function gainOverVbpr(t: Table2, metric: string): number {
  const k = t.metrics.indexOf(metric);
  const a = t.values[t.methods.indexOf(OURS.name)][k];
  const v = t.values[t.methods.indexOf(methodName("vbpr"))][k];
  return v > 0 ? (a - v) / v : NaN;
}

function tableSection(t: Table2): string {
  const p = table2PValues(t);
  return toMarkdown(t) + "\n" +
    toMarkdown({ header: p.header, rows: p.rows as Cell[][], caption: p.caption });
}

/** Each method's `metrics.npy` in {@link METHODS} order, and the shared user count. */
async function readMethodMatrices(
  inputs: Readonly<Record<string, string>>,
  width: number,
): Promise<{ matrices: Float32Array[]; users: number }> {
  const matrices: Float32Array[] = [];
  let users = -1;
  for (const m of METHODS) {
    const arr = await readNpy(inputs[m.input], {
      dtype: "float32",
      shape: [users < 0 ? null : users, width],
    });
    users = arr.shape[0];
    matrices.push(arr.data as Float32Array);
  }
  return { matrices, users };
}

/** The users every method evaluated (no NaN row in any matrix). */
function evaluatedUsers(matrices: readonly Float32Array[], users: number, width: number): number[] {
  const keep: number[] = [];
  for (let u = 0; u < users; u++) {
    if (matrices.every((m) => !Number.isNaN(m[u * width]))) keep.push(u);
  }
  return keep;
}

/**
 * The paper's Table 2 for `paper`, then ours minus the paper's (markdown), and the differences
 * per method.
 */
function paperComparison(
  overall: Table2,
  table: PaperTable2,
  paper: string | null,
): { md: string; diff: Record<string, number[]> } {
  const ref = table.methods;
  const rows: Cell[][] = METHODS.map((m) => {
    const r = ref[m.key];
    return [m.name, ...r.values.map((v) => fmt(v)), r.ri === undefined ? "-" : pct(r.ri)];
  });
  let md = "\n" + toMarkdown({
    header: overall.header,
    rows,
    caption: `Paper's Table 2 (${paper}), ${table.source}`,
    align: overall.align,
  });
  const diff: Record<string, number[]> = {};
  const diffRows: Cell[][] = METHODS.map((m, k) => {
    const d = overall.values[k].map((v, j) => v - ref[m.key].values[j]);
    diff[m.name] = d;
    const ri = overall.ri[k];
    const pri = ref[m.key].ri;
    return [
      m.name,
      ...d.map((v) => fmtDiff(v)),
      ri === null || pri === undefined ? "-" : fmtPp(ri - pri, 4),
    ];
  });
  md += "\n" + toMarkdown({
    header: overall.header,
    rows: diffRows,
    caption: `Ours minus paper (${paper}); RI in percentage points`,
    align: overall.align,
  });
  return { md, diff };
}

/** AMR's gain over VBPR at HR@10 and NDCG@10. */
type Gains = { "hr@10": number; "ndcg@10": number };

/** `table2_cold.md` / `table2_warm.md`: the subset's table and AMR's gain beside the paper's. */
function subsetMarkdown(
  t: Table2,
  which: "cold" | "warm",
  p: { dataset: string; gains: Gains; paperCw: PaperColdWarm | null },
): string {
  let s = `# Table 2, ${which} test items: ${p.dataset}\n\n`;
  s += t.users === 0 ? `No test user has a ${which} test item.\n` : tableSection(t);
  const g = p.gains;
  s += `\nAMR over VBPR on ${which} items (${t.users} users): HR@10 ${pct(g["hr@10"])}, ` +
    `NDCG@10 ${pct(g["ndcg@10"])}`;
  if (p.paperCw) {
    const pg = p.paperCw[which];
    s += `; paper (Pinterest, sec. 4.2): HR@10 ${pct(pg["hr@10"])}, NDCG@10 ${pct(pg["ndcg@10"])}`;
  }
  return s + "\n";
}

/** The values of a built table that `table2.json` keeps. */
function tableJson(t: Table2) {
  return {
    users: t.users,
    methods: t.methods,
    metrics: t.metrics,
    values: t.values,
    ri: t.ri,
    pValues: t.pValues,
    significant: t.significant,
  };
}

/** Writes `table2.csv` from the overall table. */
async function writeTable2Csv(outDir: string, overall: Table2): Promise<void> {
  await Deno.writeTextFile(
    `${outDir}/table2.csv`,
    toCsv({
      header: [...overall.header, "users"],
      rows: METHODS.map((m, k) => [
        m.name,
        ...overall.values[k],
        overall.ri[k] ?? "",
        overall.users,
      ]),
    }),
  );
}

/** The table2 stage. */
export const stage = defineStage({
  name: "table2",
  module: import.meta.url,
  params: z.object({
    /** Our dataset's name (captions). */
    dataset: z.string(),
    /** Paper dataset whose Table 2 is shown beside ours, or null for none. */
    paper: paperDatasetSchema.nullable().default(null),
  }).strict(),
  inputs: [...METHODS.map((m) => m.input), "cold"],
  outputs: [
    "table2.csv",
    "table2.md",
    "table2.tex",
    "table2_cold.md",
    "table2_warm.md",
    "table2.json",
  ],
  async run(ctx): Promise<Record<string, unknown>> {
    const { dataset, paper } = ctx.params;
    const names = metricNames(PAPER_CUTOFFS);
    const { matrices, users } = await readMethodMatrices(ctx.inputs, names.length);
    const coldAll = (await readNpy(ctx.inputs.cold, { dtype: "uint8", shape: [users] })).data;
    const keep = evaluatedUsers(matrices, users, names.length);
    const coldMask = Uint8Array.from(keep, (u) => coldAll[u]);
    const methods: MethodEvaluation[] = METHODS.map((m, k) => ({
      name: m.name,
      perUser: userMetricsFromMatrix(matrices[k], keep),
    }));
    const build = (subset: "overall" | "cold" | "warm") =>
      buildTable2(methods, {
        subset,
        coldMask,
        caption:
          `Table 2 (ours, ${dataset}${subset === "overall" ? "" : `, ${subset} test items`}): ` +
          `top-N performance, * = ${OURS.name} better than every baseline (paired t-test, ` +
          `p < ${ALPHA})`,
      });
    const overall = build("overall");
    const cold = build("cold");
    const warm = build("warm");
    const paperTable2 = paper === null ? undefined : paperValues(paper).table2;
    const ref = paperTable2?.methods ?? null;

    let md = `# Table 2: ${dataset}\n\n${tableSection(overall)}`;
    let diff: Record<string, number[]> | null = null;
    if (ref) {
      const c = paperComparison(overall, paperTable2!, paper);
      md += c.md;
      diff = c.diff;
    }
    const paperCw = paper === null ? null : paperValues(paper).coldWarm ?? null;
    const gains = {
      cold: { "hr@10": gainOverVbpr(cold, "hr@10"), "ndcg@10": gainOverVbpr(cold, "ndcg@10") },
      warm: { "hr@10": gainOverVbpr(warm, "hr@10"), "ndcg@10": gainOverVbpr(warm, "ndcg@10") },
    };
    const subsetMd = (t: Table2, which: "cold" | "warm") =>
      subsetMarkdown(t, which, { dataset, gains: gains[which], paperCw });
    await writeTable2Csv(ctx.outDir, overall);
    await Deno.writeTextFile(`${ctx.outDir}/table2.md`, md);
    await Deno.writeTextFile(
      `${ctx.outDir}/table2.tex`,
      toLatex({ ...overall, label: "tab:table2" }),
    );
    await Deno.writeTextFile(`${ctx.outDir}/table2_cold.md`, subsetMd(cold, "cold"));
    await Deno.writeTextFile(`${ctx.outDir}/table2_warm.md`, subsetMd(warm, "warm"));
    await writeJson(`${ctx.outDir}/table2.json`, {
      dataset,
      paperDataset: paper,
      usersTotal: users,
      usersEvaluated: keep.length,
      alpha: overall.alpha,
      overall: tableJson(overall),
      cold: tableJson(cold),
      warm: tableJson(warm),
      amrOverVbpr: gains,
      paper: ref ? { values: ref, coldWarm: paperCw } : null,
      oursMinusPaper: diff,
    });
    const amr = overall.values[overall.methods.indexOf(OURS.name)];
    return {
      users: keep.length,
      coldUsers: cold.users,
      amrNdcg10: amr[names.indexOf("ndcg@10")],
      riOverVbpr: overall.ri[overall.methods.indexOf(methodName("vbpr"))],
      coldGainHr10: gains.cold["hr@10"],
    };
  },
});
