/**
 * Unit tests of stages/table1.ts and its wiring; the data stages run on the full-size
 * synthetic-pinterest dataset in tests/e2e/synthetic_table1_test.ts.
 */
import { loadDatasetConfig } from "../../config/dataset.ts";
import { computeTable1 } from "../../stages/table1.ts";
import { dataNodes } from "../../plan/data.ts";
import { assert } from "./data_helpers.ts";

Deno.test("computeTable1 counts cold test cases and distinct cold test items", () => {
  // 3 users, 4 items; training holds items 0 and 1; tests 2, 2, 0 -> 2 of 3 cases, 1 of 2 items cold.
  const s = computeTable1(
    "t",
    4,
    6,
    new Int32Array([0, 1, 1]),
    new Int32Array([2, 2, 0]),
    new Int32Array([1, -1, -1]),
  );
  assert(s.coldTestShare === 2 / 3 && s.coldTestItemShare === 1 / 2, JSON.stringify(s));
  assert(s.coldItems === 2 && s.validationUsers === 1 && s.sparsity === 0.5, JSON.stringify(s));
});

Deno.test("plan_data wires the six data nodes with distinct seeds and publishes Table 1", async () => {
  const nodes = dataNodes(await loadDatasetConfig("smoke"), { seed: 1, negatives: 50 });
  assert(nodes.map((n) => n.id).join() === "dataset,filter-users,split,negatives,features,table1");
  assert(new Set(nodes.map((n) => n.seed)).size === 6, "seeds must differ per node");
  const again = dataNodes(await loadDatasetConfig("smoke"), { seed: 2 });
  assert(again[2].seed !== nodes[2].seed, "seed must depend on opts.seed");
  const t1 = nodes[5];
  assert(
    t1.publish?.["table1.md"] === "tables/table1.md" &&
      t1.publish?.["table1.csv"] === "tables/table1.csv",
  );
  for (const n of nodes) {
    assert(
      Object.keys(n.inputs).sort().join() === [...n.stage.inputs].sort().join(),
      `${n.id}: inputs ${Object.keys(n.inputs)}`,
    );
  }
});
