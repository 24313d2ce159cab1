/**
 * Stage `perturb-test`: test-time robustness of VBPR and AMR (paper sec. 4.3.2).
 *
 * - Table 3: relative NDCG@10 change of VBPR and AMR under the `grad` adversary at `tableEps`.
 * - Figure 4: VBPR's HR@10 and NDCG@10 under `rand` and `grad` perturbations over `perturbEps`,
 *   with the clean level.
 * - Figure 5: per-user rank change (attacked minus clean; positive: the test item fell) of VBPR
 *   and AMR at `rankEps`.
 *
 * The adversary's gradient comes from the clean BPR loss summed over one epoch of training
 * triples (paper eq. 6; see `models/robustness.ts`); every output says so. Figure 4's `rand` and
 * `grad` perturb the same items (those eq. 6's gradient reaches, the warm items), and
 * `figure4.json` records per point how many items the attack actually perturbed.
 *
 * With `source: test` (profile `perturb.source`), Table 3 gets an extra block (`table3.json`'s
 * `test`): both models under a worst-case adversary from the test ranking loss, which reaches
 * cold test items too; it is not in the paper and is labelled so. Figures 4-5 stay on eq. 6.
 *
 * Inputs: the final phase's data (`train`, `validation`, `target` = test.npy, `negatives`,
 * `item_map`), `features`, VBPR's `vbpr_P`, `vbpr_Q`, `vbpr_E`, `vbpr_H`, AMR's `amr_P`,
 * `amr_Q`, `amr_E`. Outputs: `table3.{csv,md,json}`, `figure4.{csv,json}`,
 * `rank_change_vbpr.npy`, `rank_change_amr.npy` (float32 `[users]`, NaN without a target),
 * `figure5.json` (distribution statistics).
 */
import { z } from "zod";
import { paperDatasetSchema } from "../config/paper.ts";
import {
  adversaryKindSchema,
  figuresSchema,
  perturbSchema,
  runSettingsSchema,
} from "../config/profile.ts";
import { type CancelPoint, cancelPoint, defineStage, type Rng } from "../pipeline/stage/mod.ts";
import { writeNpy } from "../io/npy.ts";
import { coldItems } from "../models/sampler.ts";
import { backendFacts, initTf } from "../models/tf_backend.ts";
import { deviceLatents, releaseDeviceFeatures } from "../models/device_features.ts";
import { devicePerturbationLatents } from "../models/device_perturb.ts";
import type { AdversaryKind, Weights } from "../models/types.ts";
import {
  ADVERSARY_NOTE,
  adversaryGradients,
  type AttackedModel,
  type ChangeStats,
  changeStats,
  rankChanges,
  relativeChange,
  runAttack,
  TEST_ADVERSARY_NOTE,
  testAdversaryGradients,
} from "../models/robustness.ts";
import { type CutoffMetrics, rankMetrics, rankTargets } from "../models/evaluation.ts";
import { loadFeatures, loadPhaseData, phaseFiles } from "./lib/train_inputs.ts";
import { loadWeights } from "../io/weights.ts";
import { writeJson } from "../io/json.ts";
import { assertFiniteTargetRows } from "../models/finite.ts";
import {
  type ModelAttacks,
  paperTable3At,
  table3CsvTable,
  type Table3Json,
  table3Table,
  TEST_BLOCK_LABEL,
} from "../tables/table3.ts";
import { toCsv, toMarkdown } from "../tables/format.ts";
import { fmt, fmtPct } from "../tables/numbers.ts";
import { packColumns, robustUserColumns, userNdcg10 } from "../report/robust_users.ts";

/** The figure settings `perturb-test` takes from the profile (`figuresSchema` keys). */
export const PERTURB_FIGURE_FIELDS = { tableEps: true, perturbEps: true, rankEps: true } as const;

/** The run-wide settings `perturb-test` takes from the profile (`runSettingsSchema` keys). */
export const PERTURB_RUN_FIELDS = { coldMode: true } as const;

/** The test-time adversary settings `perturb-test` takes from the profile (`perturbSchema` keys). */
export const PERTURB_SOURCE_FIELDS = { source: true } as const;

/** Parameters of `perturb-test`. */
export const perturbParamsSchema = z.object({
  /** Dataset name (for the outputs). */
  dataset: z.string(),
  /** Paper dataset whose Table 3 is shown beside ours (null: none). */
  paper: paperDatasetSchema.nullable().default(null),
  ...figuresSchema.pick(PERTURB_FIGURE_FIELDS).shape,
  ...runSettingsSchema.pick(PERTURB_RUN_FIELDS).shape,
  ...perturbSchema.pick(PERTURB_SOURCE_FIELDS).shape,
  /** Figure 4 perturbation kinds. */
  figureKinds: z.array(adversaryKindSchema).min(1).default(["rand", "grad"]),
}).strict();

/** Figure 4 data (`figure4.json`). */
export interface Figure4Json {
  /** Where the adversary's gradient comes from. */
  note: string;
  /** VBPR's clean HR@10 and NDCG@10. */
  clean: { hr10: number; ndcg10: number };
  /** One point per kind and eps, with the number of items the attack actually perturbed. */
  points: {
    kind: AdversaryKind;
    eps: number;
    hr10: number;
    ndcg10: number;
    perturbedItems: number;
  }[];
}

const OUTPUTS = [
  "table3.csv",
  "table3.md",
  "table3.json",
  "figure4.csv",
  "figure4.json",
  "rank_change_vbpr.npy",
  "rank_change_amr.npy",
  "figure5.json",
  "robust_users.npy",
  "robust_users.json",
] as const;

/** Parsed parameters of `perturb-test`. */
type PerturbParams = z.infer<typeof perturbParamsSchema>;

/** The two trained models under attack, their adversary gradients and the ranking they share. */
interface Attackers {
  /** VBPR with its scoring inputs. */
  vbpr: AttackedModel;
  /** AMR with its scoring inputs. */
  amr: AttackedModel;
  /** The adversary's item gradients per model (one epoch of training triples, eq. 6). */
  g: { vbpr: Float64Array; amr: Float64Array };
  /** The worst-case test-loss adversary's item gradients per model (`source: test` only). */
  gTest: { vbpr: Float64Array; amr: Float64Array } | null;
  /** Negatives per user. */
  n: number;
  /** Test item per user, `-1` = no target (its output rows are NaN by design). */
  targets: Int32Array;
  /**
   * Each user's test-item rank with the model's features perturbed by `kind` at `eps` (the items
   * `gm` reaches), and how many items the attack actually perturbed.
   */
  ranksUnder: (
    m: AttackedModel,
    gm: Float64Array,
    kind: AdversaryKind,
    eps: number,
  ) => Promise<{ ranks: Int32Array; perturbedItems: number }>;
}

/** Loads the final phase's data, both models and their adversary gradients. */
async function loadAttackers(
  inp: Readonly<Record<string, string>>,
  p: Pick<PerturbParams, "coldMode" | "source">,
  rng: Rng,
): Promise<Attackers> {
  const coldMode = p.coldMode;
  const data = await loadPhaseData(phaseFiles(inp), "final");
  const features = await loadFeatures(inp.features, data.train.nItems);
  const cold = coldItems(data.train);
  // On WebGPU the dense products (latents, perturbations) run on the device, read back once each.
  const onDevice = backendFacts().backend === "webgpu";
  const model = async (w: Weights): Promise<AttackedModel> => ({
    weights: w,
    features,
    coldItems: cold,
    coldMode,
    ...(onDevice ? { latents: await deviceLatents(w.E!, features, w.k) } : {}),
  });
  const vbpr = await model(
    await loadWeights({ P: inp.vbpr_P, Q: inp.vbpr_Q, E: inp.vbpr_E, H: inp.vbpr_H }),
  );
  const amr = await model(await loadWeights({ P: inp.amr_P, Q: inp.amr_Q, E: inp.amr_E }));
  // One epoch of training triples, the same for both models (paper eq. 6).
  const g = {
    vbpr: adversaryGradients(vbpr.weights, features, data.train, rng.fork("triples"), vbpr.latents),
    amr: adversaryGradients(amr.weights, features, data.train, rng.fork("triples"), amr.latents),
  };
  // The worst case (not in the paper): the test ranking loss itself, no sampling involved.
  const gTest = p.source === "test"
    ? {
      vbpr: testAdversaryGradients(vbpr, data.target),
      amr: testAdversaryGradients(amr, data.target),
    }
    : null;
  const n = data.target.n;
  const ranksUnder = async (
    m: AttackedModel,
    gm: Float64Array,
    kind: AdversaryKind,
    eps: number,
  ) => {
    const attack = { kind, eps, g: gm, rng: rng.fork(`${kind}@${eps}`) };
    const latent = onDevice && eps > 0
      ? await devicePerturbationLatents(m.weights, gm, attack)
      : undefined;
    const out = runAttack(m, data.target, { ...attack, latent });
    return { ranks: rankTargets(out.scores, n), perturbedItems: out.perturbedItems };
  };
  return { vbpr, amr, g, gTest, n, targets: data.target.items, ranksUnder };
}

/** Where each attack's per-user NDCG@10 column goes, its progress step and cancellation point. */
interface StepSink {
  /** Per-user NDCG@10 columns, in `robustUserColumns` order. */
  userColumns: Float32Array[];
  /** Counts one attack done. */
  step: () => void;
  /** Throws when the run was cancelled (checked before each attack). */
  cancel: CancelPoint;
}

/**
 * Table 3: each model clean and under the `grad` adversary at every `tableEps`. Pushes the
 * per-user NDCG@10 of each ranking onto `userColumns` (clean, then each eps; VBPR, then AMR);
 * with `source: test`, adds the worst-case test-loss block (its columns are not pushed: the
 * claims test the paper's adversary only).
 */
async function table3Of(
  a: Attackers,
  p: PerturbParams,
  clean: { vbpr: Int32Array; amr: Int32Array },
  cleanLevel: { vbpr: CutoffMetrics; amr: CutoffMetrics },
  out: StepSink,
): Promise<Table3Json> {
  const attacks = async (
    m: AttackedModel,
    gm: Float64Array,
    level: CutoffMetrics,
    cleanRanks: Int32Array | null,
  ): Promise<ModelAttacks> => {
    if (cleanRanks) out.userColumns.push(userNdcg10(cleanRanks));
    const points: ModelAttacks["points"] = [];
    for (const eps of p.tableEps) {
      await out.cancel();
      const { ranks, perturbedItems } = await a.ranksUnder(m, gm, "grad", eps);
      if (cleanRanks) out.userColumns.push(userNdcg10(ranks));
      const r = rankMetrics(ranks, 10);
      out.step();
      points.push({
        eps,
        hr10: r.hr,
        ndcg10: r.ndcg,
        change: relativeChange(level.ndcg, r.ndcg),
        perturbedItems,
      });
    }
    return { clean: { hr10: level.hr, ndcg10: level.ndcg }, points };
  };
  const details = {
    vbpr: await attacks(a.vbpr, a.g.vbpr, cleanLevel.vbpr, clean.vbpr),
    amr: await attacks(a.amr, a.g.amr, cleanLevel.amr, clean.amr),
  };
  let test: Table3Json["test"];
  if (a.gTest) {
    const testDetails = {
      vbpr: await attacks(a.vbpr, a.gTest.vbpr, cleanLevel.vbpr, null),
      amr: await attacks(a.amr, a.gTest.amr, cleanLevel.amr, null),
    };
    test = {
      note: TEST_ADVERSARY_NOTE,
      vbpr: testDetails.vbpr.points.map((q) => q.change),
      amr: testDetails.amr.points.map((q) => q.change),
      details: testDetails,
    };
  }
  return {
    dataset: p.dataset,
    paper: p.paper,
    note: ADVERSARY_NOTE,
    eps: [...p.tableEps],
    vbpr: details.vbpr.points.map((q) => q.change),
    amr: details.amr.points.map((q) => q.change),
    paperValues: paperTable3At(p.paper, p.tableEps),
    details,
    ...(test ? { test } : {}),
  };
}

/** Writes `table3.json`, `table3.csv` and `table3.md`. */
async function writeTable3(
  outDir: string,
  table3: Table3Json,
  cleanLevel: { vbpr: CutoffMetrics; amr: CutoffMetrics },
): Promise<void> {
  await writeJson(`${outDir}/table3.json`, table3);
  await Deno.writeTextFile(`${outDir}/table3.csv`, toCsv(table3CsvTable(table3)));
  await Deno.writeTextFile(
    `${outDir}/table3.md`,
    `${toMarkdown(table3Table(table3))}\nClean NDCG@10: VBPR ${fmt(cleanLevel.vbpr.ndcg)}, ` +
      `AMR ${fmt(cleanLevel.amr.ndcg)} (dataset ${table3.dataset}).\n\n${ADVERSARY_NOTE}\n` +
      (table3.test ? `\nLast row: ${table3.test.note}\n` : ""),
  );
}

/**
 * Figure 4 (VBPR only): every kind at every `perturbEps`, with the clean level. Pushes each
 * ranking's per-user NDCG@10 onto `userColumns`.
 */
async function figure4Of(
  a: Attackers,
  p: PerturbParams,
  clean: CutoffMetrics,
  out: StepSink,
): Promise<Figure4Json> {
  const points: Figure4Json["points"] = [];
  for (const kind of p.figureKinds) {
    for (const eps of p.perturbEps) {
      await out.cancel();
      const { ranks, perturbedItems } = await a.ranksUnder(a.vbpr, a.g.vbpr, kind, eps);
      out.userColumns.push(userNdcg10(ranks));
      const r = rankMetrics(ranks, 10);
      points.push({ kind, eps, hr10: r.hr, ndcg10: r.ndcg, perturbedItems });
      out.step();
    }
  }
  return { note: ADVERSARY_NOTE, clean: { hr10: clean.hr, ndcg10: clean.ndcg }, points };
}

/** Writes `figure4.json` and `figure4.csv`. */
async function writeFigure4(outDir: string, fig4: Figure4Json): Promise<void> {
  await writeJson(`${outDir}/figure4.json`, fig4);
  await Deno.writeTextFile(
    `${outDir}/figure4.csv`,
    toCsv({
      header: ["kind", "eps", "hr@10", "ndcg@10", "perturbed_items"],
      rows: [
        ["clean", 0, fig4.clean.hr10, fig4.clean.ndcg10, 0],
        ...fig4.points.map((q) => [q.kind, q.eps, q.hr10, q.ndcg10, q.perturbedItems]),
      ],
    }),
  );
}

/** Writes `robust_users.npy` (the per-user NDCG@10 columns) and `robust_users.json`. */
async function writeRobustUsers(
  outDir: string,
  p: PerturbParams,
  userColumns: readonly Float32Array[],
  targets: Int32Array,
): Promise<void> {
  const columns = robustUserColumns(p.tableEps, p.figureKinds, p.perturbEps);
  const data = packColumns(userColumns);
  const shape = { users: targets.length, width: columns.length, targets };
  assertFiniteTargetRows(data, "robust_users.npy", shape);
  await writeNpy(`${outDir}/robust_users.npy`, {
    dtype: "float32",
    shape: [targets.length, columns.length],
    data,
  });
  await writeJson(`${outDir}/robust_users.json`, {
    note: ADVERSARY_NOTE,
    definition: "per-user NDCG@10 of the test item (NaN: no target)",
    columns,
  });
}

/** Writes Figure 5's `rank_change_<model>.npy` and `figure5.json`; returns the statistics. */
async function writeFigure5(
  outDir: string,
  change: { vbpr: Float32Array; amr: Float32Array },
  p: { rankEps: number; negatives: number; targets: Int32Array },
): Promise<{ vbpr: ChangeStats; amr: ChangeStats }> {
  for (const m of ["vbpr", "amr"] as const) {
    const shape = { users: p.targets.length, width: 1, targets: p.targets };
    assertFiniteTargetRows(change[m], `rank_change_${m}.npy`, shape);
  }
  for (const m of ["vbpr", "amr"] as const) {
    await writeNpy(`${outDir}/rank_change_${m}.npy`, {
      dtype: "float32",
      shape: [change[m].length],
      data: change[m],
    });
  }
  const stats = { vbpr: changeStats(change.vbpr), amr: changeStats(change.amr) };
  await writeJson(`${outDir}/figure5.json`, {
    note: ADVERSARY_NOTE,
    eps: p.rankEps,
    negatives: p.negatives,
    definition: "rank with perturbation minus rank without (positive: the test item fell)",
    ...stats,
  });
  return stats;
}

/** The perturb-test stage. */
export const stage = defineStage({
  name: "perturb-test",
  module: import.meta.url,
  params: perturbParamsSchema,
  inputs: [
    "train",
    "validation",
    "target",
    "negatives",
    "item_map",
    "features",
    "vbpr_P",
    "vbpr_Q",
    "vbpr_E",
    "vbpr_H",
    "amr_P",
    "amr_Q",
    "amr_E",
  ],
  outputs: OUTPUTS,
  runtime: ["tfjs"],
  async run(ctx): Promise<Record<string, unknown>> {
    const p = ctx.params;
    // Checked between attacks (each is one scoring of every test row), as training does per batch.
    const cancel = cancelPoint(ctx.signal, 0);
    await cancel();
    await initTf();
    const a = await loadAttackers(ctx.inputs, p, ctx.rng);
    // The device copy of the features (WebGPU) lives for this stage only; no-op on WASM.
    using _features = { [Symbol.dispose]: () => releaseDeviceFeatures(a.vbpr.features) };
    await cancel();
    const clean = {
      vbpr: (await a.ranksUnder(a.vbpr, a.g.vbpr, "grad", 0)).ranks,
      amr: (await a.ranksUnder(a.amr, a.g.amr, "grad", 0)).ranks,
    };
    const cleanLevel = { vbpr: rankMetrics(clean.vbpr, 10), amr: rankMetrics(clean.amr, 10) };
    const tableBlocks = a.gTest ? 2 : 1;
    const total = p.tableEps.length * 2 * tableBlocks +
      p.perturbEps.length * p.figureKinds.length + 2;
    let done = 0;
    ctx.progress.start(total, "perturb-test");
    // Per-user NDCG@10 of every attack, for the claims' paired tests (report/robust_users.ts).
    const out: StepSink = {
      userColumns: [],
      step: () => ctx.progress.update(++done),
      cancel,
    };

    const table3 = await table3Of(a, p, clean, cleanLevel, out);
    await writeTable3(ctx.outDir, table3, cleanLevel);
    await writeFigure4(ctx.outDir, await figure4Of(a, p, cleanLevel.vbpr, out));
    await writeRobustUsers(ctx.outDir, p, out.userColumns, a.targets);

    // Figure 5.
    await cancel();
    const change = {
      vbpr: rankChanges(
        clean.vbpr,
        (await a.ranksUnder(a.vbpr, a.g.vbpr, "grad", p.rankEps)).ranks,
      ),
      amr: rankChanges(clean.amr, (await a.ranksUnder(a.amr, a.g.amr, "grad", p.rankEps)).ranks),
    };
    done += 2;
    ctx.progress.update(done);
    ctx.progress.stop();
    const stats = await writeFigure5(ctx.outDir, change, {
      rankEps: p.rankEps,
      negatives: a.n,
      targets: a.targets,
    });
    ctx.log(`adversary: gradient of the clean BPR loss over one epoch of training triples (eq. 6)`);
    ctx.log(
      `Table 3 (NDCG@10 change): ` +
        p.tableEps.map((e, k) =>
          `eps ${e}: VBPR ${fmtPct(table3.vbpr[k])} AMR ${fmtPct(table3.amr[k])}`
        )
          .join("; "),
    );
    if (table3.test) {
      const t = table3.test;
      ctx.log(
        `Table 3, ${TEST_BLOCK_LABEL}: ` +
          p.tableEps.map((e, k) => `eps ${e}: VBPR ${fmtPct(t.vbpr[k])} AMR ${fmtPct(t.amr[k])}`)
            .join("; "),
      );
    }
    return {
      eps: table3.eps,
      vbpr: table3.vbpr,
      amr: table3.amr,
      meanRankChange: { vbpr: stats.vbpr.mean, amr: stats.amr.mean },
      adversary: "gradient of the clean BPR loss over training triples (eq. 6)",
      ...(table3.test
        ? { test: { vbpr: table3.test.vbpr, amr: table3.test.amr, adversary: TEST_BLOCK_LABEL } }
        : {}),
    };
  },
});
