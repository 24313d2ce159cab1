/** Table 3 as Markdown and CSV (`tables/table3.ts`): the extra worst-case block only when run. */
import assert from "node:assert/strict";
import {
  type ModelAttacks,
  table3CsvTable,
  type Table3Json,
  table3Table,
  TEST_BLOCK_LABEL,
} from "../../tables/table3.ts";

function attacks(changes: number[], perturbedItems: number): ModelAttacks {
  return {
    clean: { hr10: 0.2, ndcg10: 0.1 },
    points: changes.map((change, k) => ({
      eps: [0.1, 0.2][k],
      hr10: 0.2,
      ndcg10: 0.1 * (1 + change),
      change,
      perturbedItems,
    })),
  };
}

const PAPER_ONLY: Table3Json = {
  dataset: "smoke",
  paper: null,
  note: "eq. 6",
  eps: [0.1, 0.2],
  vbpr: [-0.1, -0.2],
  amr: [-0.05, -0.1],
  paperValues: null,
  details: { vbpr: attacks([-0.1, -0.2], 40), amr: attacks([-0.05, -0.1], 40) },
};

const WITH_TEST: Table3Json = {
  ...PAPER_ONLY,
  test: {
    note: "Not in the paper",
    vbpr: [-0.3, -0.5],
    amr: [-0.2, -0.4],
    details: { vbpr: attacks([-0.3, -0.5], 50), amr: attacks([-0.2, -0.4], 50) },
  },
};

Deno.test("table3: the worst-case row is labelled not in the paper, and only with a test block", () => {
  assert.match(TEST_BLOCK_LABEL, /not in the paper/);
  const plain = table3Table(PAPER_ONLY);
  assert.deepEqual(plain.rows.map((r) => r[0]), ["ours"]);
  const t = table3Table(WITH_TEST);
  assert.deepEqual(t.rows.map((r) => r[0]), ["ours", `ours, ${TEST_BLOCK_LABEL}`]);
  assert.deepEqual(t.rows[1].slice(1), ["-30.0%", "-20.0%", "-50.0%", "-40.0%"]);
});

Deno.test("table3: CSV rows name the gradient source and the items each attack perturbed", () => {
  const plain = table3CsvTable(PAPER_ONLY);
  assert.deepEqual(plain.header.slice(-2), ["gradient_source", "perturbed_items"]);
  assert.deepEqual(plain.rows.map((r) => r.slice(-2)), Array(4).fill(["train", 40]));
  const t = table3CsvTable(WITH_TEST);
  assert.equal(t.rows.length, 8);
  assert.deepEqual(t.rows.slice(4).map((r) => [r[0], r[4], ...r.slice(-2)]), [
    ["VBPR", -0.3, "test", 50],
    ["VBPR", -0.5, "test", 50],
    ["AMR", -0.2, "test", 50],
    ["AMR", -0.4, "test", 50],
  ]);
});
