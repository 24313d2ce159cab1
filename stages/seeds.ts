/**
 * Stage `seeds`: the results of a run replicated over seeds (`--seeds N`), combined as
 * `report/seeds.ts` describes: Table 2 and Table 3 with the mean, a 95% interval over seeds
 * and the per-seed values; the claims by agreement across seeds; every `metrics.json` value per
 * seed (what `check --calibrate` derives tolerances from).
 *
 * Inputs: per seed slot `k` (`table2_00`, `table3_00`, `metrics_00`, `claims_00`, ...), the
 * seed's `table2.json`, `table3.json`, report `metrics.json` and `claims.json`. The engine wires
 * a fixed set of input names, so slots beyond the seeds repeat seed 0; they are never read.
 * Outputs: `table2_seeds.{json,md}`, `table3_seeds.{json,md}`, `claims_seeds.{json,md}`,
 * `metrics_seeds.json` (`{ seeds, metrics: { name: [value per seed] } }`). The Markdown pages
 * point to the figures across seeds (`figures_seeds.md`, stage `plot-seeds`), and each table
 * is followed by what varies across its seeds (`seedsScope`: training only, or the split and
 * negatives too). With 3 or more seeds the claims add AMR against the lambda = 0 control paired
 * over seeds (`controlOverSeeds`; `claims_seeds.json`'s `overSeeds`).
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { writeJson } from "../io/json.ts";
import { toMarkdown } from "../tables/format.ts";
import { fmt, fmtPCompact, fmtPct } from "../tables/numbers.ts";
import {
  claimsAcrossSeeds,
  controlOverSeeds,
  metricsAcrossSeeds,
  type SeedClaim,
  SEEDS_RULE,
  seedsPairedCells,
  seedsScope,
  type SeedStat,
  seedStat,
  table2AcrossSeeds,
  type Table2Part,
  type Table2SeedsPart,
} from "../report/seeds.ts";

import { MAX_SEEDS, SEEDS_FIGURE_PAGE, seedSlot, seedSlots } from "./lib/across_seeds.ts";
import { SEEDS_VARY } from "../config/seeds_vary.ts";

export { MAX_SEEDS, seedSlot };

/** The per-seed files the stage reads, by slot prefix. */
export const SEED_FILES = ["table2", "table3", "metrics", "claims"] as const;

/** A mean over seeds with its interval when there is one, each value shown by `show`. */
function withInterval(s: SeedStat, show: (v: number) => string): string {
  return Number.isFinite(s.lo) ? `${show(s.mean)} [${show(s.lo)}, ${show(s.hi)}]` : show(s.mean);
}

function cell(s: SeedStat, digits = 4): string {
  return withInterval(s, (v) => fmt(v, digits));
}

function table2Markdown(t: Table2SeedsPart, seeds: number): string {
  return toMarkdown({
    header: ["Method", ...t.metrics.map((m) => m.toUpperCase()), "RI"],
    rows: t.methods.map((m, r) => [
      m,
      ...t.cells[r].map((c, k) =>
        r === t.methods.length - 1 ? `${cell(c)} (★ ${t.starredSeeds[k]}/${seeds})` : cell(c)
      ),
      t.ri[r] === null ? "–" : cell(t.ri[r]!, 3),
    ]),
  });
}

/** The pointer to the figures across seeds, from a page `up` below the run's top folder. */
function figuresLine(up: string): string {
  return `Figures 3-7 across seeds, with the spread: [${SEEDS_FIGURE_PAGE}](${up}${SEEDS_FIGURE_PAGE}).`;
}

/** The seeds stage. */
export const stage = defineStage({
  name: "seeds",
  module: import.meta.url,
  params: z.object({
    /** Dataset name. */
    dataset: z.string(),
    /** Root seed of each replicate, in slot order. */
    seeds: z.array(z.number().int().min(0)).min(1).max(MAX_SEEDS),
    /** What each seed redraws (`--seeds-vary`). */
    vary: z.enum(SEEDS_VARY).default("training"),
  }).strict(),
  inputs: SEED_FILES.flatMap(seedSlots),
  outputs: [
    "table2_seeds.json",
    "table2_seeds.md",
    "table3_seeds.json",
    "table3_seeds.md",
    "claims_seeds.json",
    "claims_seeds.md",
    "metrics_seeds.json",
  ],
  async run(ctx): Promise<Record<string, unknown>> {
    const seeds = ctx.params.seeds;
    const read = async (what: string) =>
      await Promise.all(
        seeds.map(async (_, k) =>
          JSON.parse(await Deno.readTextFile(ctx.inputs[seedSlot(what, k)]))
        ),
      );
    const out = ctx.outDir;
    const vary = ctx.params.vary;
    // Said under every table: what the intervals over these seeds cover.
    const scope = `_${seedsScope(vary)}_`;
    const t2 = table2AcrossSeeds(
      (await read("table2")) as { overall: Table2Part; cold?: Table2Part; warm?: Table2Part }[],
      seeds,
    );
    await writeJson(`${out}/table2_seeds.json`, { ...t2, vary, scope: seedsScope(vary) });
    const md2 = [
      `# Table 2 over ${seeds.length} seeds (${seeds.join(", ")}), ${ctx.params.dataset}`,
      "",
      SEEDS_RULE,
      "",
      figuresLine("../"),
      "",
      "## All test users",
      "",
      table2Markdown(t2.overall, seeds.length),
      scope,
      ...(["cold", "warm"] as const).flatMap((k) =>
        t2[k]
          ? [
            "",
            `## ${k === "cold" ? "Cold" : "Warm"} test items`,
            "",
            table2Markdown(t2[k]!, seeds.length),
            scope,
          ]
          : []
      ),
    ];
    await Deno.writeTextFile(`${out}/table2_seeds.md`, `${md2.join("\n")}\n`);

    const t3s = (await read("table3")) as { eps: number[]; vbpr: number[]; amr: number[] }[];
    const eps = t3s[0].eps;
    const t3 = {
      seeds,
      rule: SEEDS_RULE,
      vary,
      scope: seedsScope(vary),
      eps,
      vbpr: eps.map((_, k) => seedStat(t3s.map((t) => t.vbpr[k]))),
      amr: eps.map((_, k) => seedStat(t3s.map((t) => t.amr[k]))),
    };
    await writeJson(`${out}/table3_seeds.json`, t3);
    const pct = (s: SeedStat) => withInterval(s, (v) => fmtPct(v, { digits: 2 }));
    await Deno.writeTextFile(
      `${out}/table3_seeds.md`,
      `# Table 3 over ${seeds.length} seeds: relative NDCG@10 change, mean [95% interval]\n\n` +
        `${figuresLine("../")}\n\n` +
        toMarkdown({
          header: ["Model", ...eps.map((e) => `ε = ${e}`)],
          rows: [["VBPR", ...t3.vbpr.map(pct)], ["AMR", ...t3.amr.map(pct)]],
        }) + `\n${scope}\n`,
    );

    const claims = claimsAcrossSeeds((await read("claims")) as SeedClaim[][]);
    const metrics = metricsAcrossSeeds(await read("metrics"));
    const overSeeds = controlOverSeeds(metrics, seeds.length);
    await writeJson(`${out}/claims_seeds.json`, {
      seeds,
      vary,
      scope: seedsScope(vary),
      claims,
      overSeeds,
    });
    const paired = overSeeds.rows.length === 0 ? [`Not run: ${overSeeds.skipped}.`] : [
      `Test: ${overSeeds.test}; the verdict is that test's, at alpha ${overSeeds.alpha}.`,
      "",
      toMarkdown({
        header: [
          "Metric",
          "AMR per seed",
          "Control per seed",
          "AMR - control, mean [95% CI]",
          "Test",
          "Verdict",
        ],
        rows: overSeeds.rows.map(seedsPairedCells),
      }),
    ];
    await Deno.writeTextFile(
      `${out}/claims_seeds.md`,
      `# Claims over ${seeds.length} seeds\n\nAcross seeds: holds when every seed holds, fails ` +
        "when every seed fails, inconclusive otherwise; each seed's verdict comes from its own " +
        `test over users.\n\n${figuresLine("")}\n\n` +
        toMarkdown({
          header: ["Claim", "Source", "Verdict", "Per seed", "p per seed", "Test (per seed)"],
          rows: claims.map((c) => [
            c.text,
            c.source,
            c.status,
            c.perSeed.join(", "),
            c.p.map(fmtPCompact).join(", "),
            c.test ?? "–",
          ]),
        }) + `\n${scope}\n\n` +
        "## AMR vs the λ = 0 control, paired over seeds\n\n" +
        `${paired.join("\n").trimEnd()}\n\n${scope}\n`,
    );

    await writeJson(`${out}/metrics_seeds.json`, { seeds, metrics });
    return { seeds: seeds.length, metrics: Object.keys(metrics).length };
  },
});
