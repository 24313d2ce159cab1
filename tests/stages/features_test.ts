import { stage } from "../../stages/features.ts";
import { readNpy, writeNpy } from "../../io/npy.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { silentProgress } from "../../pipeline/stage/progress.ts";
import { writeIdMap } from "../../io/interactions.ts";
import { assert, assertRejects } from "./data_helpers.ts";
import { NO_CHECKPOINTS } from "../../pipeline/stage/checkpoint.ts";

async function runFeatures(rows: number[], data: number[], cols: number, chunkRows: number) {
  const dir = await Deno.makeTempDir();
  await writeNpy(`${dir}/raw.npy`, {
    dtype: "float32",
    shape: [data.length / cols, cols],
    data: new Float32Array(data),
  });
  await writeIdMap(`${dir}/item_map.csv`, rows);
  await Deno.mkdir(`${dir}/out`);
  await stage.run({
    params: stage.params.parse({ chunkRows }),
    inputs: { features: `${dir}/raw.npy`, item_map: `${dir}/item_map.csv` },
    outDir: `${dir}/out`,
    rng: new Rng(1),
    progress: silentProgress,
    signal: new AbortController().signal,
    log: () => {},
    checkpoint: NO_CHECKPOINTS,
  });
  return dir;
}

Deno.test("features: rows follow the item map and are scaled by the max |x| of kept rows", async () => {
  // Raw rows: 0 [1,2], 1 [100,100] (dropped), 2 [-4,0], 3 [2,1]; kept rows 0, 2, 3; max |x| = 4.
  for (const chunkRows of [1, 2, 10]) {
    const dir = await runFeatures([0, 2, 3], [1, 2, 100, 100, -4, 0, 2, 1], 2, chunkRows);
    try {
      const out = await readNpy(`${dir}/out/features.npy`, { dtype: "float32", shape: [3, 2] });
      assert(
        JSON.stringify(Array.from(out.data)) === "[0.25,0.5,-1,0,0.5,0.25]",
        `chunk ${chunkRows}: ${out.data}`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("features: an item map row outside the matrix names the map line", async () => {
  await assertRejects(() => runFeatures([0, 5], [1, 2, 3, 4], 2, 4), "item_map.csv:3", "'5'");
});
