/**
 * Tests of stages/table2.ts on hand-made per-user metrics: the six rows, the means, users
 * without a target left out, the cold/warm tables, the paper comparison and the JSON.
 */
import assert from "node:assert/strict";
import { writeNpy } from "../../io/npy.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { silentProgress } from "../../pipeline/stage/progress.ts";
import { stage, userMetricsFromMatrix } from "../../stages/table2.ts";
import { METHODS } from "../../config/methods.ts";
import { NO_CHECKPOINTS } from "../../pipeline/stage/checkpoint.ts";

const g = (r: number) => Math.LN2 / Math.log(r + 2);

/** A metrics row for a rank (Table 2 column order). */
function row(rank: number | null): number[] {
  if (rank === null) return Array(6).fill(NaN);
  const hr: number[] = [5, 10, 20].map((c) => (rank < c ? 1 : 0));
  const ndcg: number[] = [5, 10, 20].map((c) => (rank < c ? g(rank) : 0));
  return [...hr, ...ndcg];
}

Deno.test("userMetricsFromMatrix: ranks rebuilt from NDCG@20, censored at 20", () => {
  const m = Float32Array.from([0, 3, 12, 19, 50].flatMap((r) => row(r)));
  const um = userMetricsFromMatrix(m, [0, 1, 2, 3, 4]);
  assert.deepEqual([...um.ranks], [0, 3, 12, 19, 20]);
  assert.equal(um.hr[1][2], 0); // rank 12: HR@10 = 0
  assert.equal(um.hr[2][2], 1); // HR@20 = 1
});

Deno.test("table2 stage: six rows, means over users with a target, cold/warm and paper diff", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amr_t2_" });
  try {
    // 5 users; user 4 has no target (NaN rows). Users 0 and 1 have cold items.
    const ranks: Record<string, (number | null)[]> = {
      pop: [30, 30, 8, 2, null],
      mf_eals: [30, 30, 1, 3, null],
      mf_bpr: [30, 30, 0, 4, null],
      duif: [3, 9, 12, 6, null],
      vbpr: [5, 6, 0, 1, null],
      amr: [0, 2, 0, 0, null],
    };
    const inputs: Record<string, string> = {};
    for (const m of METHODS) {
      const path = `${dir}/${m.input}.npy`;
      await writeNpy(path, {
        dtype: "float32",
        shape: [5, 6],
        data: Float32Array.from(ranks[m.input].flatMap((r) => row(r))),
      });
      inputs[m.input] = path;
    }
    inputs.cold = `${dir}/cold.npy`;
    await writeNpy(inputs.cold, {
      dtype: "uint8",
      shape: [5],
      data: Uint8Array.from([1, 1, 0, 0, 0]),
    });
    const out = `${dir}/out`;
    await Deno.mkdir(out);
    await stage.run({
      params: stage.params.parse({ dataset: "synthetic-pinterest", paper: "pinterest" }),
      inputs,
      outDir: out,
      rng: new Rng(1),
      progress: silentProgress,
      signal: new AbortController().signal,
      log: () => {},
      checkpoint: NO_CHECKPOINTS,
    });
    for (const f of stage.outputs) await Deno.stat(`${out}/${f}`);
    const json = JSON.parse(await Deno.readTextFile(`${out}/table2.json`));
    assert.equal(json.usersTotal, 5);
    assert.equal(json.usersEvaluated, 4);
    assert.deepEqual(json.overall.methods, ["POP", "MF-eALS", "MF-BPR", "DUIF", "VBPR", "AMR"]);
    assert.equal(json.cold.users, 2);
    assert.equal(json.warm.users, 2);
    // AMR HR@5: ranks 0, 2, 0, 0 -> 1; NDCG@10: (1 + g(2) + 1 + 1) / 4.
    const amr = json.overall.values[5];
    assert.equal(amr[0], 1);
    assert.ok(Math.abs(amr[4] - (3 + g(2)) / 4) < 1e-6);
    // VBPR cold HR@5: ranks 5, 6 -> 0; AMR's cold HR@10 1 vs VBPR's 1 -> gain 0.
    assert.equal(json.cold.values[4][0], 0);
    assert.equal(json.amrOverVbpr.cold["hr@10"], 0);
    // Ours minus the paper's value, e.g. AMR's HR@5 1 - 0.1392.
    assert.ok(Math.abs(json.oursMinusPaper.AMR[0] - (1 - 0.1392)) < 1e-9);
    const md = await Deno.readTextFile(`${out}/table2.md`);
    for (const m of ["POP", "MF-eALS", "MF-BPR", "DUIF", "VBPR", "AMR"]) {
      assert.ok(md.includes(`| ${m} |`), m);
    }
    assert.ok(md.includes("Paper's Table 2 (pinterest)"));
    assert.ok(md.includes("Ours minus paper"));
    assert.ok(md.includes("| AMR | +0.8608 |"));
    const cold = await Deno.readTextFile(`${out}/table2_cold.md`);
    assert.ok(cold.includes("paper (Pinterest, sec. 4.2): HR@10 74.00%"));
    const csv = (await Deno.readTextFile(`${out}/table2.csv`)).trim().split("\n");
    assert.equal(csv.length, 7);
    assert.ok((await Deno.readTextFile(`${out}/table2.tex`)).includes("\\begin{tabular}"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
