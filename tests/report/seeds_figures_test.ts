/** Figures 3-7 across seeds (`report/seeds_figures.ts`) on hand-made per-seed figure data. */
import assert from "node:assert/strict";
import { figureDataAcrossSeeds } from "../../report/seeds_figures.ts";
import { SEED_INTERVAL } from "../../report/seeds.ts";
import type { FigureData } from "../../figures/specs.ts";

// t(0.975, 2 df) = 4.302653 (R: qt(0.975, 2)); t(0.975, 1 df) = 12.706205 (R: qt(0.975, 1)).
const T2 = 4.302653;
const T1 = 12.706205;

function close(actual: number, expected: number, what: string, tol = 1e-6): void {
  assert.ok(Math.abs(actual - expected) < tol, `${what}: ${actual} vs ${expected}`);
}

/** One seed's plotted data; `d` shifts every metric so seeds differ by hand-known amounts. */
function seedData(d: number, order: "ab" | "ba" = "ab"): FigureData {
  const curves = [
    { model: "AMR", epoch: 0, hr10: 0.3 + d, ndcg10: 0.2 + d },
    { model: "AMR", epoch: 5, hr10: 0.32 + d, ndcg10: 0.21 + d },
    { model: "VBPR", epoch: 0, hr10: 0.3 + d, ndcg10: 0.2 + d },
    { model: "VBPR", epoch: 5, hr10: 0.31 - d, ndcg10: 0.19 },
  ];
  return {
    figure3: {
      curves: order === "ab" ? curves : [...curves].reverse(),
      mfLevel: { hr10: 0.25 + d, ndcg10: 0.15 },
    },
    figure4: {
      points: [
        { kind: "rand", eps: 0.1, hr10: 0.3 + d, ndcg10: 0.2 },
        { kind: "grad", eps: 0.1, hr10: 0.2 + 2 * d, ndcg10: 0.1 + d },
      ],
      clean: { hr10: 0.3, ndcg10: 0.2 + d },
    },
    figure5: {
      rankChanges: [
        { model: "VBPR", change: 1 + 10 * d },
        { model: "VBPR", change: 2 },
        { model: "AMR", change: 0 },
      ],
    },
    figure6: {
      points: [{ eps: 0.01, hr10: 0.3 + d, ndcg10: 0.2 }, { eps: 1, hr10: 0.28, ndcg10: 0.18 - d }],
    },
    figure7: { points: [{ lambda: 0, hr10: 0.3, ndcg10: 0.2 + d }] },
  };
}

Deno.test("figureDataAcrossSeeds: means and 95% t-intervals per point, by hand (3 seeds)", () => {
  // Shifts -0.01, 0, +0.01: a metric `base + d` has mean `base` and sd 0.01.
  const out = figureDataAcrossSeeds([seedData(-0.01), seedData(0, "ba"), seedData(0.01)], [
    7,
    8,
    9,
  ]);
  assert.deepEqual(out.seeds, [7, 8, 9]);
  assert.equal(out.interval, SEED_INTERVAL);
  const half = T2 * 0.01 / Math.sqrt(3);

  // Figure 3: in the first seed's order, matched by (model, epoch) although seed 8 is reversed.
  const f3 = out.figure3!;
  assert.deepEqual(f3.curves.map((c) => `${c.model}@${c.epoch}`), [
    "AMR@0",
    "AMR@5",
    "VBPR@0",
    "VBPR@5",
  ]);
  const amr5 = f3.curves[1];
  close(amr5.hr10.mean, 0.32, "AMR@5 hr mean");
  close(amr5.hr10.lo, 0.32 - half, "AMR@5 hr lo");
  close(amr5.hr10.hi, 0.32 + half, "AMR@5 hr hi");
  assert.deepEqual(amr5.hr10.values, [0.31, 0.32, 0.33]);
  // VBPR@5's NDCG is the same in every seed: a zero-width interval.
  const vbpr5 = f3.curves[3];
  close(vbpr5.ndcg10.mean, 0.19, "VBPR@5 ndcg mean");
  close(vbpr5.ndcg10.hi - vbpr5.ndcg10.lo, 0, "VBPR@5 ndcg width");
  // 0.31 - d: values 0.32, 0.31, 0.30.
  assert.deepEqual(vbpr5.hr10.values, [0.32, 0.31, 0.3]);
  close(f3.mfLevel.hr10.mean, 0.25, "MF level");
  close(f3.mfLevel.hr10.hi, 0.25 + half, "MF level hi");

  // Figure 4: grad's HR moves by 2d (sd 0.02), so its interval is twice as wide.
  const f4 = out.figure4!;
  assert.deepEqual(f4.points.map((p) => [p.kind, p.eps]), [["rand", 0.1], ["grad", 0.1]]);
  close(f4.points[1].hr10.mean, 0.2, "grad mean");
  close(f4.points[1].hr10.hi - f4.points[1].hr10.mean, 2 * half, "grad half-width");
  close(f4.clean.ndcg10.lo, 0.2 - half, "clean lo");

  // Figures 6 and 7.
  close(out.figure6!.points[0].hr10.lo, 0.3 - half, "eps 0.01 lo");
  close(out.figure6!.points[1].ndcg10.mean, 0.18, "eps 1 ndcg");
  assert.equal(out.figure6!.points[1].eps, 1);
  assert.equal(out.figure7!.points[0].lambda, 0);
  close(out.figure7!.points[0].ndcg10.hi, 0.2 + half, "lambda 0 hi");

  // Figure 5: per model and seed, never pooled.
  assert.deepEqual(out.figure5!.rankChanges, [
    { model: "VBPR", seed: 7, changes: [0.9, 2] },
    { model: "VBPR", seed: 8, changes: [1, 2] },
    { model: "VBPR", seed: 9, changes: [1.1, 2] },
    { model: "AMR", seed: 7, changes: [0] },
    { model: "AMR", seed: 8, changes: [0] },
    { model: "AMR", seed: 9, changes: [0] },
  ]);
});

Deno.test("figureDataAcrossSeeds: two seeds use t(0.975, 1 df)", () => {
  const out = figureDataAcrossSeeds([seedData(0), seedData(0.02)], [1, 2]);
  // Values 0.3 and 0.32: mean 0.31, sd 0.02 / sqrt(2).
  const p = out.figure6!.points[0].hr10;
  close(p.mean, 0.31, "mean");
  close(p.hi - p.mean, T1 * (0.02 / Math.SQRT2) / Math.SQRT2, "half-width");
});

Deno.test("figureDataAcrossSeeds: mismatched seeds are refused, naming figure and point", () => {
  const a = seedData(0);
  const b = seedData(0.01);
  assert.throws(() => figureDataAcrossSeeds([a], [1]), /at least two seeds/);
  assert.throws(() => figureDataAcrossSeeds([a, b], [1, 2, 3]), /got 2 for 3 seeds/);
  const noEpoch5 = {
    ...b,
    figure3: { ...b.figure3!, curves: b.figure3!.curves.filter((c) => c.epoch !== 5) },
  };
  assert.throws(() => figureDataAcrossSeeds([a, noEpoch5], [1, 2]), /figure3: seed 2 has 2 points/);
  const moved = {
    ...b,
    figure6: { points: [b.figure6!.points[0], { eps: 2, hr10: 0.3, ndcg10: 0.2 }] },
  };
  assert.throws(
    () => figureDataAcrossSeeds([a, moved], [1, 2]),
    /figure6: seed 2 has no point eps 1/,
  );
  const { figure7: _, ...no7 } = b;
  assert.throws(() => figureDataAcrossSeeds([a, no7], [1, 2]), /figure7 is in 1 of 2 seeds/);
  const noAmr = {
    ...b,
    figure5: { rankChanges: b.figure5!.rankChanges.filter((r) => r.model !== "AMR") },
  };
  assert.throws(() => figureDataAcrossSeeds([a, noAmr], [1, 2]), /figure5: seed 2 has models VBPR/);
  // A figure no seed has is left out.
  const { figure7: __, ...a7 } = a;
  assert.equal(figureDataAcrossSeeds([a7, no7], [1, 2]).figure7, undefined);
});
