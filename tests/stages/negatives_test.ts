import { readNpy } from "../../io/npy.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { drawNegatives } from "../../stages/negatives.ts";
import { assert, runData, sha256 } from "./data_helpers.ts";

Deno.test("negatives: right count, distinct, disjoint from the user's items, seeded", async () => {
  const smoke = await loadDatasetConfig("smoke");
  const root = await Deno.makeTempDir();
  try {
    const only = ["dataset", "filter-users", "split", "negatives"];
    const a = await runData(smoke, `${root}/a`, { seed: 3, negatives: 100, only });
    const b = await runData(smoke, `${root}/b`, { seed: 3, negatives: 100, only });
    const c = await runData(smoke, `${root}/c`, { seed: 4, negatives: 100, only });
    const all = await readNpy(a["filter-users"]["interactions.npy"]);
    const users = (await readNpy(a.split["test.npy"])).shape[0];
    const own = Array.from({ length: users }, () => new Set<number>());
    for (let k = 0; k < all.shape[0]; k++) own[all.data[2 * k]].add(all.data[2 * k + 1]);
    for (const f of ["negatives.npy", "validation_negatives.npy"]) {
      const neg = await readNpy(a.negatives[f], { dtype: "int32", shape: [users, 100] });
      for (let u = 0; u < users; u++) {
        const row = neg.data.subarray(u * 100, (u + 1) * 100);
        assert(new Set(row).size === 100, `${f} user ${u}: duplicates`);
        for (const i of row) {
          assert(!own[u].has(i) && i >= 0, `${f} user ${u}: negative ${i} is the user's`);
        }
      }
      assert(
        (await sha256(a.negatives[f])) === (await sha256(b.negatives[f])),
        `${f}: same seed differs`,
      );
      assert(
        (await sha256(a.negatives[f])) !== (await sha256(c.negatives[f])),
        `${f}: different seed identical`,
      );
    }
    assert(
      (await sha256(a.negatives["negatives.npy"])) !==
        (await sha256(a.negatives["validation_negatives.npy"])),
      "test and validation negatives must be independent draws",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("drawNegatives: exhausts small pools exactly and rejects too large counts", () => {
  // 2 users, 5 items; user 0 has items 0, 1 (+ test 2), user 1 has item 4 (+ validation 3).
  const rows = { start: new Int32Array([0, 2, 3]), items: new Int32Array([0, 1, 4]) };
  const out = drawNegatives(
    rows,
    [new Int32Array([2, -1]), new Int32Array([-1, 3])],
    5,
    2,
    new Rng(1),
  );
  assert(
    JSON.stringify(Array.from(out.subarray(0, 2)).sort()) === "[3,4]",
    `user 0: ${out.subarray(0, 2)}`,
  );
  for (const i of out.subarray(2)) assert(i <= 2, `user 1: ${i}`);
  let msg = "";
  try {
    drawNegatives(rows, [new Int32Array([2, -1])], 5, 3, new Rng(1));
  } catch (e) {
    msg = (e as Error).message;
  }
  assert(msg.includes("user 0") && msg.includes("count = 3"), msg);
});
