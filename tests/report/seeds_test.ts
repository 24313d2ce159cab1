import assert from "node:assert/strict";
import {
  claimsAcrossSeeds,
  metricsAcrossSeeds,
  seedStat,
  table2AcrossSeeds,
} from "../../report/seeds.ts";

Deno.test("seedStat: mean, sd and the 95% t-interval over seeds", () => {
  const s = seedStat([0.1, 0.12, 0.14]);
  assert.ok(Math.abs(s.mean - 0.12) < 1e-12);
  assert.ok(Math.abs(s.sd - 0.02) < 1e-12);
  // t(0.975, 2 df) = 4.302653 (R: qt(0.975, 2)).
  const half = 4.302653 * 0.02 / Math.sqrt(3);
  assert.ok(Math.abs(s.lo - (0.12 - half)) < 1e-6 && Math.abs(s.hi - (0.12 + half)) < 1e-6);
  assert.deepEqual(s.values, [0.1, 0.12, 0.14]);
  const one = seedStat([0.3]);
  assert.equal(one.mean, 0.3);
  assert.ok(Number.isNaN(one.lo) && Number.isNaN(one.sd));
});

Deno.test("table2AcrossSeeds: per cell across seeds, stars counted per seed", () => {
  const t = (amr: number, star: boolean) => ({
    overall: {
      methods: ["VBPR", "AMR"],
      metrics: ["hr@10"],
      values: [[0.2], [amr]],
      ri: [amr / 0.2 - 1, null],
      significant: [star],
    },
  });
  const out = table2AcrossSeeds([t(0.21, true), t(0.22, false), t(0.23, true)], [1, 2, 3]);
  assert.deepEqual(out.seeds, [1, 2, 3]);
  assert.deepEqual(out.overall.cells[1][0].values, [0.21, 0.22, 0.23]);
  assert.ok(Math.abs(out.overall.cells[1][0].mean - 0.22) < 1e-12);
  assert.ok(out.overall.cells[0][0].sd < 1e-12);
  assert.deepEqual(out.overall.starredSeeds, [2]);
  assert.equal(out.overall.ri[1], null);
  assert.ok(Math.abs(out.overall.ri[0]!.mean - 0.1) < 1e-12);
  assert.equal(out.cold, undefined);
  assert.throws(() => table2AcrossSeeds([t(0.2, true)], [1, 2]), /1 tables for 2 seeds/);
});

Deno.test("claimsAcrossSeeds: holds / fails only when every seed agrees", () => {
  const c = (status: "holds" | "fails" | "inconclusive", p: number) => ({
    id: "x",
    text: "X",
    source: "Table 2",
    status,
    p,
    test: "t",
  });
  const combine = (...s: ReturnType<typeof c>[]) => claimsAcrossSeeds(s.map((x) => [x]))[0];
  assert.equal(combine(c("holds", 0.01), c("holds", 0.02)).status, "holds");
  assert.equal(combine(c("fails", 0.01), c("fails", 0.02)).status, "fails");
  const mixed = combine(c("holds", 0.01), c("inconclusive", 0.3), c("holds", 0.04));
  assert.equal(mixed.status, "inconclusive");
  assert.deepEqual(mixed.perSeed, ["holds", "inconclusive", "holds"]);
  assert.deepEqual(mixed.p, [0.01, 0.3, 0.04]);
  assert.equal(combine(c("holds", 0.01), c("fails", 0.01)).status, "inconclusive");
});

Deno.test("metricsAcrossSeeds: only metrics every seed produced", () => {
  assert.deepEqual(metricsAcrossSeeds([{ a: 1, b: 2 }, { a: 3 }]), { a: [1, 3] });
});
