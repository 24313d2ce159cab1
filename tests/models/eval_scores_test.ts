/**
 * Tests of models/eval_scores.ts (the scoring-factor fast path against `scoreItems` on the
 * model itself, for every model form and both cold modes; the curve metrics) and of
 * io/weights.ts (round trip, empty H).
 */
import assert from "node:assert/strict";
import { Rng } from "../../pipeline/rng.ts";
import { scoreItems } from "../../models/score.ts";
import { initTf } from "../../models/tf_backend.ts";
import type { FeatureMatrix, Weights } from "../../models/types.ts";
import {
  factorScorer,
  quickMetrics,
  scoringFactors,
  targetScores,
} from "../../models/eval_scores.ts";
import type { EvalTarget } from "../../stages/lib/train_inputs.ts";
import { loadWeights, saveWeights } from "../../io/weights.ts";

const U = 7;
const I = 12;
const K = 4;
const D = 6;

function randArray(n: number, rng: Rng): Float32Array {
  return new Float32Array(n).map(() => rng.normal());
}

function model(kind: "mf" | "duif" | "eq4" | "eq2", rng: Rng): Weights {
  const w: Weights = {
    P: randArray(U * K, rng),
    Q: kind === "duif" ? null : randArray(I * K, rng),
    E: kind === "mf" ? null : randArray(K * D, rng),
    k: K,
    dim: kind === "mf" ? 0 : D,
  };
  if (kind === "eq2") w.H = randArray(U * K, rng);
  return w;
}

function target(rng: Rng): EvalTarget {
  const n = 5;
  const items = new Int32Array(U).map(() => rng.int(I));
  items[3] = -1;
  return {
    users: U,
    items,
    n,
    negatives: new Int32Array(U * n).map(() => rng.int(I)),
    evaluated: U - 1,
  };
}

Deno.test("scoring factors give scoreItems' scores for MF, DUIF, VBPR eq. 4 and eq. 2", async () => {
  await initTf();
  const rng = new Rng(3);
  const features: FeatureMatrix = { rows: I, dim: D, data: randArray(I * D, rng) };
  const cold = new Uint8Array(I);
  cold[2] = cold[7] = 1;
  const t = target(rng);
  t.items[0] = 2; // a cold target
  for (const kind of ["mf", "duif", "eq4", "eq2"] as const) {
    const w = model(kind, rng);
    for (const coldMode of ["zero", "official"] as const) {
      const fast = targetScores(
        factorScorer(
          scoringFactors(w, kind === "mf" ? null : features, { coldItems: cold, coldMode }),
        ),
        t,
        { chunkUsers: 3 },
      );
      const ref = targetScores(
        (users, items) =>
          scoreItems(w, kind === "mf" ? null : features, users, items, {
            coldItems: cold,
            coldMode,
          }),
        t,
      );
      for (let x = 0; x < ref.length; x++) {
        if (Number.isNaN(ref[x])) {
          assert.ok(Number.isNaN(fast[x]), `${kind} ${coldMode} ${x}`);
          continue;
        }
        assert.ok(
          Math.abs(fast[x] - ref[x]) <= 1e-5 * (1 + Math.abs(ref[x])),
          `${kind} ${coldMode} ${x}`,
        );
      }
      // Row layout: the NaN row of the user without a target.
      assert.ok(fast.subarray(3 * 6, 4 * 6).every(Number.isNaN));
    }
  }
});

Deno.test("quickMetrics: HR@10 and NDCG@10 with ties against the model, NaN rows skipped", () => {
  const n = 12;
  const rows = [
    [5, ...Array(n).fill(1)], // rank 0
    [1, 1, 2, ...Array(n - 2).fill(0)], // rank 2 (a tie and a higher one)
    [NaN, ...Array(n).fill(NaN)], // skipped
    [0, ...Array(n).fill(1)], // rank 12 -> 0
  ];
  const m = quickMetrics(Float32Array.from(rows.flat()), n, 10);
  assert.equal(m.users, 3);
  assert.equal(m.hr, 2 / 3);
  assert.ok(Math.abs(m.ndcg - (1 + Math.LN2 / Math.log(4)) / 3) < 1e-12);
});

Deno.test("weights_io: round trip; an absent H is written as [0, K] and read back as absent", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amr_w_" });
  try {
    const rng = new Rng(5);
    const w = model("eq4", rng);
    const written = await saveWeights(dir, w, { declared: ["P", "Q", "E", "H"] });
    assert.deepEqual(written, ["P", "Q", "E"]);
    const back = await loadWeights({
      P: `${dir}/P.npy`,
      Q: `${dir}/Q.npy`,
      E: `${dir}/E.npy`,
      H: `${dir}/H.npy`,
    });
    assert.deepEqual(back.P, w.P);
    assert.deepEqual(back.Q, w.Q);
    assert.deepEqual(back.E, w.E);
    assert.equal(back.H, undefined);
    assert.equal(back.k, K);
    assert.equal(back.dim, D);
    const eq2 = model("eq2", rng);
    await saveWeights(dir, eq2);
    const back2 = await loadWeights({ P: `${dir}/P.npy`, H: `${dir}/H.npy` });
    assert.deepEqual(back2.H, eq2.H);
    assert.equal(back2.Q, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
