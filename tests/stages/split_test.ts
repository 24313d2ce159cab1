import { readNpy } from "../../io/npy.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import { assert, runData, sha256 } from "./data_helpers.ts";

Deno.test("split: one test and at most one validation item per user, seeded", async () => {
  const smoke = await loadDatasetConfig("smoke");
  const root = await Deno.makeTempDir();
  try {
    const only = ["dataset", "filter-users", "split"];
    const a = await runData(smoke, `${root}/a`, { seed: 1, only });
    const b = await runData(smoke, `${root}/b`, { seed: 1, only });
    const c = await runData(smoke, `${root}/c`, { seed: 2, only });
    const all = await readNpy(a["filter-users"]["interactions.npy"], {
      dtype: "int32",
      shape: [null, 2],
    });
    const train = await readNpy(a.split["train.npy"], { dtype: "int32", shape: [null, 2] });
    const test = (await readNpy(a.split["test.npy"], { dtype: "int32" })).data;
    const val =
      (await readNpy(a.split["validation.npy"], { dtype: "int32", shape: [test.length] })).data;
    const users = test.length;
    assert(train.shape[0] === all.shape[0] - users, "train = all minus one test per user");
    const all_ = new Map<number, Set<number>>();
    for (let k = 0; k < all.shape[0]; k++) {
      const u = all.data[2 * k];
      if (!all_.has(u)) all_.set(u, new Set());
      all_.get(u)!.add(all.data[2 * k + 1]);
    }
    const trainOf = new Map<number, Set<number>>();
    for (let k = 0; k < train.shape[0]; k++) {
      const u = train.data[2 * k];
      if (!trainOf.has(u)) trainOf.set(u, new Set());
      trainOf.get(u)!.add(train.data[2 * k + 1]);
    }
    let withVal = 0;
    for (let u = 0; u < users; u++) {
      const mine = all_.get(u)!;
      const tr = trainOf.get(u) ?? new Set();
      assert(mine.has(test[u]), `user ${u}: test item is one of the user's items`);
      assert(!tr.has(test[u]), `user ${u}: test item also in training`);
      assert(tr.size === mine.size - 1, `user ${u}: training size`);
      if (val[u] >= 0) {
        withVal++;
        assert(
          val[u] !== test[u] && tr.has(val[u]),
          `user ${u}: validation item must be a training item`,
        );
        assert(tr.size >= 2, `user ${u}: validation would empty training`);
      } else assert(tr.size < 2, `user ${u}: no validation although ${tr.size} training items`);
    }
    assert(withVal > 0 && withVal < users, `validation users ${withVal}`);
    for (const f of ["train.npy", "validation.npy", "test.npy"]) {
      assert((await sha256(a.split[f])) === (await sha256(b.split[f])), `${f}: same seed differs`);
    }
    assert(
      (await sha256(a.split["test.npy"])) !== (await sha256(c.split["test.npy"])),
      "different seed identical",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
