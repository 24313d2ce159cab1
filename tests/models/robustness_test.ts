/** Test-time perturbations for Table 3 and Figures 4-5 (`models/robustness.ts`). */
import assert from "node:assert/strict";
import { perturbationRows } from "../../models/perturb.ts";
import { scoreItems } from "../../models/score.ts";
import { initTf } from "../../models/tf_backend.ts";
import type { TrainSet } from "../../models/types.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import {
  adversaryGradients,
  type AttackedModel,
  attackedScores,
  changeStats,
  gradientItems,
  rankChanges,
  relativeChange,
  runAttack,
  testAdversaryGradients,
  testLossTriples,
} from "../../models/robustness.ts";
import { type EvalTarget, rankMetrics, rankTargets } from "../../models/evaluation.ts";
import { assertFiniteTargetRows } from "../../models/finite.ts";
import { centralDiff, Reference, tinyProblem, toFloat64 } from "./_reference.ts";
import { assertAllClose } from "../assert_close.ts";

await initTf();

// 5 users, 8 items; item 7 is in no training pair (cold).
const TRAIN: TrainSet = {
  nUsers: 5,
  nItems: 8,
  users: Int32Array.from([0, 0, 1, 1, 2, 3, 3, 4, 4]),
  items: Int32Array.from([0, 1, 2, 3, 4, 5, 6, 0, 2]),
};
const TARGET: EvalTarget = {
  users: 5,
  items: Int32Array.from([2, 7, 0, -1, 5]),
  n: 3,
  negatives: Int32Array.from([4, 5, 6, 0, 1, 4, 3, 5, 6, 1, 2, 3, 1, 3, 7]),
  evaluated: 4,
};

function setup(model: "vbpr" | "vbpr-eq2"): { m: AttackedModel; g: Float64Array } {
  const { w, features } = tinyProblem(model, { seed: 5 });
  const cold = new Uint8Array(8);
  cold[7] = 1;
  const m: AttackedModel = { weights: w, features, coldItems: cold, coldMode: "zero" };
  return { m, g: adversaryGradients(w, features, TRAIN, new Rng(3)) };
}

Deno.test("perturb-test: every perturbation row has L2 norm eps (grad: items in a triple)", () => {
  const { m, g } = setup("vbpr");
  const items = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
  for (const kind of ["grad", "rand"] as const) {
    for (const eps of [0.05, 0.1, 0.2]) {
      const rows = perturbationRows(m.weights, g, items, { kind, eps, rng: new Rng(9) });
      for (let i = 0; i < 8; i++) {
        let s = 0;
        for (let d = 0; d < rows.dim; d++) s += rows.data[i * rows.dim + d] ** 2;
        const want = kind === "grad" && i === 7 ? 0 : eps; // cold item 7: no gradient
        assert.ok(
          Math.abs(Math.sqrt(s) - want) < 1e-5,
          `${kind} eps ${eps} item ${i}: ${Math.sqrt(s)}`,
        );
      }
    }
  }
});

for (const model of ["vbpr", "vbpr-eq2"] as const) {
  Deno.test(`perturb-test (${model}): attacked scores = scores on features + Delta`, () => {
    const { m, g } = setup(model);
    const eps = 0.3;
    const all = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const delta = perturbationRows(m.weights, g, all, { kind: "grad", eps });
    const shifted = { ...m.features, data: m.features.data.map((v, t) => v + delta.data[t]) };
    const got = attackedScores(m, TARGET, { kind: "grad", eps, g });
    for (let u = 0; u < 5; u++) {
      const row = got.subarray(u * 4, u * 4 + 4);
      if (TARGET.items[u] < 0) {
        assert.ok(row.every(Number.isNaN));
        continue;
      }
      const items = Int32Array.from([
        TARGET.items[u],
        ...TARGET.negatives.subarray(u * 3, u * 3 + 3),
      ]);
      const want = scoreItems(m.weights, shifted, new Int32Array(4).fill(u), items, {
        coldItems: m.coldItems,
        coldMode: "zero",
      });
      assertAllClose(row, Array.from(want), { rtol: 1e-4, atol: 1e-5 });
    }
  });
}

Deno.test("perturb-test: eps = 0 gives the clean scores and no drop", () => {
  const { m, g } = setup("vbpr");
  const clean = attackedScores(m, TARGET, { kind: "grad", eps: 0, g });
  const zero = attackedScores(m, TARGET, { kind: "rand", eps: 0, g, rng: new Rng(1) });
  assert.deepEqual(zero, clean);
  const r0 = rankTargets(clean, 3);
  const r1 = rankTargets(zero, 3);
  assert.equal(relativeChange(rankMetrics(r0).ndcg, rankMetrics(r1).ndcg), 0);
  assert.deepEqual([...rankChanges(r0, r1)].map((v) => (Number.isNaN(v) ? "nan" : v)), [
    0,
    0,
    0,
    "nan",
    0,
  ]);
  const attacked = rankTargets(attackedScores(m, TARGET, { kind: "grad", eps: 5, g }), 3);
  assert.notDeepEqual(attacked, r0, "a large eps should move some rank");
});

// Ranks and HR/NDCG@N under attack come from models/evaluation.ts (tested there).
Deno.test("relative change, change stats", () => {
  assert.ok(Math.abs(relativeChange(0.2, 0.15) + 0.25) < 1e-12);
  assert.ok(Number.isNaN(relativeChange(0, 0.1)));
  const s = changeStats(Float32Array.from([3, 0, -1, NaN, 600]));
  assert.deepEqual(s, {
    users: 4,
    mean: 150.5,
    std: Math.sqrt(((3 - 150.5) ** 2 + 150.5 ** 2 + 151.5 ** 2 + 449.5 ** 2) / 4),
    median: 1.5,
    worse: 0.5,
    unchanged: 0.25,
    better: 0.25,
    over500: 0.25,
  });
});

Deno.test("perturb-test: a NaN feature fails the attacked scores, naming the user row and column", () => {
  for (const eps of [0, 0.3]) {
    const { m, g } = setup("vbpr");
    const data = Float32Array.from(m.features.data);
    data[0] = NaN; // item 0: user 1's first negative (column 1), user 2's test item
    const bad: AttackedModel = { ...m, features: { ...m.features, data } };
    assert.throws(
      () => attackedScores(bad, TARGET, { kind: "grad", eps, g, rng: new Rng(1) }),
      (e: Error) =>
        e.name === "NonFiniteError" &&
        e.message.startsWith(
          `attacked scores (grad, eps ${eps}): value NaN for user row 1, column 1`,
        ) &&
        e.message.includes("nothing was committed"),
    );
  }
});

Deno.test("perturb-test: rows of users without a target may be NaN, others may not", () => {
  const targets = Int32Array.from([2, -1, 0]);
  const data = Float32Array.from([1, 2, NaN, NaN, 3, 4]);
  assertFiniteTargetRows(data, "x.npy", { users: 3, width: 2, targets });
  data[5] = Infinity;
  assert.throws(
    () => assertFiniteTargetRows(data, "x.npy", { users: 3, width: 2, targets }),
    /^NonFiniteError: x\.npy: value Infinity for user row 2, column 1/,
  );
});

/** Per item of the ranking, whether any of its scores moved under the attack (from the scores). */
function movedItems(clean: Float32Array, attacked: Float32Array): Set<number> {
  const moved = new Set<number>();
  for (let u = 0; u < TARGET.users; u++) {
    if (TARGET.items[u] < 0) continue;
    const items = [TARGET.items[u], ...TARGET.negatives.subarray(u * 3, u * 3 + 3)];
    items.forEach((i, c) => {
      if (attacked[u * 4 + c] !== clean[u * 4 + c]) moved.add(i);
    });
  }
  return moved;
}

Deno.test("Figure 4: grad and rand perturb the same items, counted from what was applied", () => {
  const { m, g } = setup("vbpr");
  const clean = attackedScores(m, TARGET, { kind: "grad", eps: 0, g });
  // Every item 0..7 is ranked somewhere, so a moved latent shows in some score.
  assert.deepEqual(
    [...new Set([...TARGET.items, ...TARGET.negatives])].filter((i) => i >= 0).sort(),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.deepEqual([...gradientItems(g, m.weights.k)], [0, 1, 2, 3, 4, 5, 6]);
  for (const eps of [0.05, 0.5]) {
    const counts: number[] = [];
    for (const kind of ["grad", "rand"] as const) {
      const out = runAttack(m, TARGET, { kind, eps, g, rng: new Rng(9) });
      const moved = movedItems(clean, out.scores);
      // Cold item 7 (user 1's test item, user 4's negative) is left alone by both kinds.
      assert.equal(moved.has(7), false, `${kind} eps ${eps} moved cold item 7`);
      assert.equal(out.perturbedItems, moved.size, `${kind} eps ${eps}: count = items moved`);
      counts.push(out.perturbedItems);
      // And each perturbed item's Delta still has L2 norm eps.
      const items = gradientItems(g, m.weights.k);
      const rows = perturbationRows(m.weights, g, items, { kind, eps, rng: new Rng(9) });
      for (let r = 0; r < items.length; r++) {
        let sq = 0;
        for (let d = 0; d < rows.dim; d++) sq += rows.data[r * rows.dim + d] ** 2;
        assert.ok(Math.abs(Math.sqrt(sq) - eps) < 1e-5, `${kind} item ${items[r]}: ${sq}`);
      }
    }
    assert.deepEqual(counts, [7, 7], `eps ${eps}: grad and rand perturb as many items`);
  }
});

for (const model of ["vbpr", "vbpr-eq2"] as const) {
  Deno.test(`test-loss adversary (${model}): E^T g is the test loss gradient (finite differences)`, () => {
    const { m } = setup(model);
    const g = testAdversaryGradients(m, TARGET);
    // Float64 reference of the test ranking loss as scored at test time: cold item 7's ID
    // embedding is zero (coldMode "zero").
    const w64 = toFloat64(m.weights);
    const k = m.weights.k;
    w64.Q!.fill(0, 7 * k, 8 * k);
    const data = Float64Array.from(m.features.data);
    const ref = new Reference(model, w64, { ...m.features, data: data as unknown as Float32Array });
    const triples = testLossTriples(TARGET);
    assert.equal(triples.users.length, TARGET.evaluated * TARGET.n);
    const loss = () => ref.objective(triples, { regs: [0, 0, 0] }).loss;
    const dim = m.features.dim;
    const E = m.weights.E!;
    for (let i = 0; i < 8; i++) {
      for (let d = 0; d < dim; d++) {
        let analytic = 0;
        for (let a = 0; a < k; a++) analytic += E[a * dim + d] * g[i * k + a];
        const numeric = centralDiff(data, i * dim + d, loss);
        assert.ok(
          Math.abs(analytic - numeric) < 1e-4 * (1 + Math.abs(numeric)),
          `item ${i} feature ${d}: analytic ${analytic}, numeric ${numeric}`,
        );
      }
    }
  });
}

Deno.test("test-loss adversary: attacks the cold test item that the eq. 6 adversary cannot", () => {
  const { m, g: gTrain } = setup("vbpr");
  const gTest = testAdversaryGradients(m, TARGET);
  const clean = attackedScores(m, TARGET, { kind: "grad", eps: 0, g: gTrain });
  const train = runAttack(m, TARGET, { kind: "grad", eps: 0.2, g: gTrain });
  const test = runAttack(m, TARGET, { kind: "grad", eps: 0.2, g: gTest });
  // User 1's test item is cold item 7 (score column 0 of row 1).
  assert.equal(train.scores[1 * 4], clean[1 * 4], "eq. 6 leaves the cold test item alone");
  assert.notEqual(test.scores[1 * 4], clean[1 * 4], "the test-loss adversary moves it");
  assert.ok(movedItems(clean, test.scores).has(7));
  assert.deepEqual([train.perturbedItems, test.perturbedItems], [7, 8]);
  // The worst case lowers the test item's margin: its loss rises over the eq. 6 attack's.
  const margin = (s: Float32Array) => {
    let sum = 0;
    for (let u = 0; u < 5; u++) {
      if (TARGET.items[u] < 0) continue;
      for (let c = 1; c <= 3; c++) sum += Math.log1p(Math.exp(-(s[u * 4] - s[u * 4 + c])));
    }
    return sum;
  };
  assert.ok(margin(test.scores) > margin(clean), "the test loss rises under its own gradient");
});
