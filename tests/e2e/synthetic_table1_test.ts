/**
 * The data stages (dataset, filter-users, split, table1) run on the full-size synthetic-pinterest
 * dataset: its Table 1 is close to the paper's Pinterest.
 */
import { loadDatasetConfig } from "../../config/dataset.ts";
import { assert, runData } from "../stages/data_helpers.ts";

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
