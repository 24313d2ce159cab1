import { loadDatasetConfig } from "../../config/dataset.ts";
import { computeTable1 } from "../../stages/table1.ts";
import { dataNodes } from "../../plan/data.ts";
import { assert, runData } from "./data_helpers.ts";

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

Deno.test("synthetic-pinterest Table 1 is close to the paper's Pinterest", async () => {
  const cfg = await loadDatasetConfig("synthetic-pinterest");
  const root = await Deno.makeTempDir();
  try {
    const only = ["dataset", "filter-users", "split", "table1"];
    const out = await runData(cfg, root, { seed: 1, only });
    const { ours, paper } = JSON.parse(await Deno.readTextFile(out.table1["table1.json"]));
    assert(paper.users === 3226, "paper values loaded");
    assert(ours.users === 3226, `users ${ours.users}`);
    assert(Math.abs(ours.items - 4998) <= 250, `items ${ours.items} not within 4998 +- 250`);
    assert(Math.abs(ours.interactions - 9844) <= 100, `interactions ${ours.interactions}`);
    assert(ours.sparsity > 0.9992 && ours.sparsity < 0.9995, `sparsity ${ours.sparsity}`);
    assert(
      ours.coldTestItemShare > 0.45 && ours.coldTestItemShare < 0.6,
      `cold share ${ours.coldTestItemShare}`,
    );
    const md = await Deno.readTextFile(out.table1["table1.md"]);
    assert(md.includes("| Users | 3,226 | 3,226 |") && md.includes("52.6%"), md);
    const csv = await Deno.readTextFile(out.table1["table1.csv"]);
    assert(csv.startsWith("Statistic,Ours (synthetic-pinterest),Paper\nUsers,3226,3226\n"), csv);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
