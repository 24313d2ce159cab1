/**
 * Stage `seeds` on hand-made per-seed files: every table across seeds is followed by what its
 * seeds vary, and with 3 seeds the claims add AMR against the lambda = 0 control paired over
 * seeds.
 */
import assert from "node:assert/strict";
import { SEED_FILES, seedSlot, stage } from "../../stages/seeds.ts";
import { MAX_SEEDS } from "../../stages/lib/across_seeds.ts";
import { seedsScope } from "../../report/seeds.ts";
import type { SeedsVary } from "../../config/seeds_vary.ts";
import { runNode } from "./data_helpers.ts";

/** One seed's files: Table 2 (VBPR, AMR), Table 3, metrics, claims, with AMR's and the control's HR@10. */
function seedFiles(amr: number, control: number): Record<string, unknown> {
  return {
    table2: {
      overall: {
        methods: ["VBPR", "AMR"],
        metrics: ["hr@10", "ndcg@10"],
        values: [[0.2, 0.1], [amr, amr / 2]],
        ri: [amr / 0.2 - 1, null],
        significant: [true, false],
      },
      cold: {
        methods: ["VBPR", "AMR"],
        metrics: ["hr@10", "ndcg@10"],
        values: [[0.1, 0.05], [amr / 2, amr / 4]],
      },
    },
    table3: { eps: [0.1], vbpr: [-0.1], amr: [-0.05] },
    metrics: {
      "table2.amr.hr@10": amr,
      "table2.amr.ndcg@10": amr / 2,
      "control.vbpr-continued.overall.hr@10": control,
      "control.vbpr-continued.overall.ndcg@10": control / 2,
    },
    claims: [{ id: "x", text: "X", source: "Table 2", status: "holds", p: 0.01, test: "t" }],
  };
}

async function runSeeds(
  perSeed: Record<string, unknown>[],
  vary?: SeedsVary,
): Promise<{ dir: string; out: Record<string, string> }> {
  const dir = await Deno.makeTempDir({ prefix: "amr_seeds_stage_" });
  const outputs: Record<string, Record<string, string>> = {};
  const inputs: Record<string, { node: string; output: string }> = {};
  for (let s = 0; s < perSeed.length; s++) {
    outputs[`seed${s}`] = {};
    for (const what of SEED_FILES) {
      const path = `${dir}/seed${s}-${what}.json`;
      await Deno.writeTextFile(path, JSON.stringify(perSeed[s][what]));
      outputs[`seed${s}`][what] = path;
    }
  }
  for (const what of SEED_FILES) {
    for (let k = 0; k < MAX_SEEDS; k++) {
      inputs[seedSlot(what, k)] = { node: `seed${k < perSeed.length ? k : 0}`, output: what };
    }
  }
  await runNode(
    {
      id: "seeds",
      stage,
      params: {
        dataset: "smoke",
        seeds: perSeed.map((_, s) => 7 + s),
        ...(vary === undefined ? {} : { vary }),
      },
      inputs,
      seed: 1,
    },
    outputs,
    dir,
  );
  return { dir, out: outputs.seeds };
}

Deno.test("seeds stage: what the seeds vary is said under every table; the paired test over seeds", async () => {
  // AMR - control per seed: 0.02, 0.01, 0.04 (hand-computed test in tests/report/seeds_test.ts).
  const perSeed = [seedFiles(0.30, 0.28), seedFiles(0.32, 0.31), seedFiles(0.35, 0.31)];
  const { dir, out } = await runSeeds(perSeed);
  try {
    const note = `_${seedsScope("training")}_`;
    assert.match(note, /training only/);
    const t2 = await Deno.readTextFile(out["table2_seeds.md"]);
    // Under the table of all users and under the cold one (no warm table in these files).
    assert.equal(t2.split(note).length - 1, 2);
    assert.ok(t2.indexOf(note) > t2.indexOf("| AMR |"), "the note follows the table");
    const t3 = await Deno.readTextFile(out["table3_seeds.md"]);
    assert.ok(t3.trimEnd().endsWith(note));
    const claims = await Deno.readTextFile(out["claims_seeds.md"]);
    assert.equal(claims.split(note).length - 1, 2);
    assert.match(claims, /## AMR vs the λ = 0 control, paired over seeds/);
    assert.match(claims, /paired t-test over 3 seeds of AMR minus VBPR-continued/);
    // HR@10: mean difference +0.0233, t = sqrt(7) = 2.65, df 2, p = 1 - sqrt(7) / 3 = 0.12.
    assert.match(
      claims,
      /\| HR@10 \| 0\.3000, 0\.3200, 0\.3500 \| 0\.2800, 0\.3100, 0\.3100 \| \+0\.0233 \[.*\] \| t = 2\.65, df = 2, p = 0\.12 \| inconclusive \|/,
    );
    const json = JSON.parse(await Deno.readTextFile(out["claims_seeds.json"]));
    assert.equal(json.vary, "training");
    assert.equal(json.overSeeds.rows.length, 2);
    assert.ok(Math.abs(json.overSeeds.rows[0].p - (1 - Math.sqrt(7) / 3)) < 1e-9);
    const t2json = JSON.parse(await Deno.readTextFile(out["table2_seeds.json"]));
    assert.equal(t2json.scope, seedsScope("training"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // --seeds-vary data says so; two seeds do not run the paired test.
  const two = await runSeeds(perSeed.slice(0, 2), "data");
  try {
    const claims = await Deno.readTextFile(two.out["claims_seeds.md"]);
    assert.ok(claims.includes(`_${seedsScope("data")}_`));
    assert.match(seedsScope("data"), /own train\/validation\/test split and test negatives/);
    assert.match(claims, /Not run: needs 3 or more seeds; this run has 2\./);
    const t3 = await Deno.readTextFile(two.out["table3_seeds.md"]);
    assert.ok(t3.includes(`_${seedsScope("data")}_`));
  } finally {
    await Deno.remove(two.dir, { recursive: true });
  }
});
