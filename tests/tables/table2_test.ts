import assert from "node:assert/strict";
import { assertClose } from "../assert_close.ts";
import { buildTable2, table2PValues } from "../../tables/table2.ts";
import type { MethodEvaluation } from "../../tables/table2.ts";
import { metricsFromRanks, summarise } from "../../models/evaluation.ts";
import { pairedTTest } from "../../models/significance.ts";

// 30 users. AMR ranks u % 3; VBPR is 3 ranks worse for users 0..14 and equal for 15..29; POP
// misses every top-20. Users 0..9 have a cold test item.
const N_USERS = 30;
const amrRanks = Int32Array.from({ length: N_USERS }, (_, u) => u % 3);
const vbprRanks = Int32Array.from({ length: N_USERS }, (_, u) => (u < 15 ? (u % 3) + 3 : u % 3));
const popRanks = Int32Array.from({ length: N_USERS }, (_, u) => 100 + u);
const coldMask = Uint8Array.from({ length: N_USERS }, (_, u) => (u < 10 ? 1 : 0));

function evaluation(name: string, ranks: Int32Array): MethodEvaluation {
  const perUser = metricsFromRanks(ranks);
  return { name, perUser, overall: summarise(perUser) };
}

const METHODS: MethodEvaluation[] = [
  evaluation("POP", popRanks),
  evaluation("VBPR", vbprRanks),
  evaluation("AMR", amrRanks),
];

// Reference values: scipy 1.17.1, scipy.stats.ttest_rel(amr, vbpr) on the per-user metrics.
const G = (r: number) => Math.LN2 / Math.log(r + 2);
const AMR_NDCG = (G(0) + G(1) + G(2)) / 3; // 0.7103099178571525
const VBPR_NDCG5 = (5 * (G(3) + G(4)) + 5 * (G(0) + G(1) + G(2))) / 30; // 0.4914098531465653
const VBPR_NDCG10 = (5 * (G(3) + G(4) + G(5)) + 5 * (G(0) + G(1) + G(2))) / 30; // 0.5507777...

Deno.test("buildTable2: header, formatted rows, values, RI and stars over all users", () => {
  const t = buildTable2(METHODS, { caption: "Table 2" });
  assert.deepEqual(t.header, [
    "Method",
    "HR@5",
    "HR@10",
    "HR@20",
    "NDCG@5",
    "NDCG@10",
    "NDCG@20",
    "RI",
  ]);
  assert.equal(t.caption, "Table 2");
  assert.deepEqual(t.align, ["l", "r", "r", "r", "r", "r", "r", "r"]);
  assert.equal(t.users, 30);
  assert.deepEqual(t.methods, ["POP", "VBPR", "AMR"]);
  assertClose(AMR_NDCG, 0.7103099178571525, 1e-15);
  assertClose(VBPR_NDCG5, 0.4914098531465653, 1e-15);
  assertClose(t.values[1][0], 25 / 30, 1e-15);
  assertClose(t.values[1][3], VBPR_NDCG5, 1e-15);
  assertClose(t.values[1][4], VBPR_NDCG10, 1e-15);
  // HR@5: p = 0.0226 (scipy) -> star; HR@10/20 identical -> no star; NDCG all significant.
  assert.deepEqual(t.significant, [true, false, false, true, true, true]);
  assertClose(t.pValues[1][0]!, 0.022608379396792597, 1e-8, "p hr@5 vs VBPR");
  assertClose(t.pValues[1][3]!, 3.280568159118115e-05, 1e-9, "p ndcg@5 vs VBPR");
  assertClose(t.pValues[1][4]!, 0.0002352292262409603, 1e-9, "p ndcg@10 vs VBPR");
  assert.equal(t.pValues[1][1], 1); // no difference at all
  assert.equal(t.pValues[0][0], 0); // AMR hits everywhere, POP nowhere: zero variance
  assert.deepEqual(t.pValues[2], [null, null, null, null, null, null]);
  assert.equal(t.tests[2], null);
  assert.deepEqual(
    t.tests[1]![3],
    pairedTTest(METHODS[2].perUser.ndcg[0], METHODS[1].perUser.ndcg[0]),
  );

  const ri = (0.2 + 0 + 0 + (AMR_NDCG - VBPR_NDCG5) / VBPR_NDCG5 +
    2 * (AMR_NDCG - VBPR_NDCG10) / VBPR_NDCG10) / 6;
  assertClose(t.ri[1]!, ri, 1e-12, "RI over VBPR");
  assert.equal(t.ri[2], null);
  assert.ok(Number.isNaN(t.ri[0]!)); // POP's means are all 0: no finite relative improvement

  assert.deepEqual(t.rows[2], [
    "AMR",
    "1.0000*",
    "1.0000",
    "1.0000",
    "0.7103*",
    "0.7103*",
    "0.7103*",
    "-",
  ]);
  assert.deepEqual(t.rows[1], [
    "VBPR",
    "0.8333",
    "1.0000",
    "1.0000",
    "0.4914",
    "0.5508",
    "0.5508",
    `${(100 * ri).toFixed(2)}%`,
  ]);
  assert.deepEqual(t.rows[0], [
    "POP",
    "0.0000",
    "0.0000",
    "0.0000",
    "0.0000",
    "0.0000",
    "0.0000",
    "n/a",
  ]);
});

Deno.test("buildTable2: cold and warm subsets test only their users", () => {
  const cold = buildTable2(METHODS, { subset: "cold", coldMask });
  assert.equal(cold.users, 10);
  assertClose(cold.values[1][0], 0.7, 1e-15);
  // scipy: hr@5 p = 0.0811 (not significant on 10 users); ndcg@5 p = 4.33e-06.
  assertClose(cold.pValues[1][0]!, 0.08112618884584057, 1e-8);
  assertClose(cold.pValues[1][3]!, 4.333494353264485e-06, 1e-9);
  assert.deepEqual(cold.significant, [false, false, false, true, true, true]);
  assert.equal(cold.rows[2][1], "1.0000");

  const warm = buildTable2(METHODS, { subset: "warm", coldMask });
  assert.equal(warm.users, 20);
  // scipy: ndcg@5 p = 0.0301 (star), ndcg@10 p = 0.0505 (just above 0.05: no star).
  assertClose(warm.pValues[1][3]!, 0.030069398767215164, 1e-8);
  assertClose(warm.pValues[1][4]!, 0.05048350379321492, 1e-8);
  assert.deepEqual(warm.significant, [false, false, false, true, false, false]);
  // A looser level changes the stars, not the p-values.
  const loose = buildTable2(METHODS, { subset: "warm", coldMask, alpha: 0.1 });
  assert.deepEqual(loose.significant, [false, false, false, true, true, true]);
});

Deno.test("buildTable2: a baseline better than ours gets no star; custom names and digits", () => {
  const better = evaluation("Oracle", new Int32Array(N_USERS)); // rank 0 everywhere
  const t = buildTable2([METHODS[1], METHODS[2], better], { ours: "VBPR", digits: 2 });
  assert.deepEqual(t.significant, [false, false, false, false, false, false]);
  assert.ok(t.ri[2]! < 0);
  assert.equal(t.rows[0][1], "0.83");
});

Deno.test("buildTable2: input errors", () => {
  assert.throws(() => buildTable2(METHODS.slice(0, 2)), /"AMR" is not among POP, VBPR/);
  assert.throws(() => buildTable2([METHODS[2], METHODS[2]]), /names repeat/);
  assert.throws(() => buildTable2(METHODS, { subset: "cold" }), /needs coldMask/);
  assert.throws(
    () => buildTable2(METHODS, { subset: "warm", coldMask: new Uint8Array(3) }),
    /coldMask has length 3/,
  );
  const short = evaluation("MF", new Int32Array(5));
  assert.throws(() => buildTable2([short, METHODS[2]]), /MF has 5 users/);
  const wrongSummary: MethodEvaluation = { ...METHODS[1], overall: METHODS[2].overall };
  assert.throws(() => buildTable2([wrongSummary, METHODS[2]]), /VBPR's summary does not match/);
  const otherCutoffs: MethodEvaluation = { name: "X", perUser: metricsFromRanks(popRanks, [10]) };
  assert.throws(() => buildTable2([otherCutoffs, METHODS[2]]), /X has cutoffs 10/);
});

Deno.test("table2PValues: one row per baseline with the raw p-values", () => {
  const t = buildTable2(METHODS);
  const p = table2PValues(t);
  assert.deepEqual(p.header, [
    "Baseline",
    "HR@5",
    "HR@10",
    "HR@20",
    "NDCG@5",
    "NDCG@10",
    "NDCG@20",
  ]);
  assert.deepEqual(p.rows.map((r) => r[0]), ["POP", "VBPR"]);
  assert.deepEqual(p.rows[1].slice(1), t.pValues[1]);
  assert.match(p.caption, /AMR against each baseline \(overall users, n = 30/);
});
