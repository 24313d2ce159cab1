import { stage } from "../../stages/filter-users.ts";
import { readNpy, writeNpy } from "../../io/npy.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { silentProgress } from "../../pipeline/stage/progress.ts";
import { readIdMap } from "../../io/interactions.ts";
import { assert, assertRejects } from "./data_helpers.ts";
import { NO_CHECKPOINTS } from "../../pipeline/stage/checkpoint.ts";

async function runFilter(csv: string, featureRows: number, minPerUser: number) {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/in.csv`, csv);
  await writeNpy(`${dir}/f.npy`, {
    dtype: "float32",
    shape: [featureRows, 2],
    data: new Float32Array(featureRows * 2),
  });
  await Deno.mkdir(`${dir}/out`);
  await stage.run({
    params: stage.params.parse({ minPerUser }),
    inputs: { interactions: `${dir}/in.csv`, features: `${dir}/f.npy` },
    outDir: `${dir}/out`,
    rng: new Rng(1),
    progress: silentProgress,
    signal: new AbortController().signal,
    log: () => {},
    checkpoint: NO_CHECKPOINTS,
  });
  return dir;
}

Deno.test("filter-users drops duplicates, featureless items and light users, then remaps", async () => {
  // carol has one distinct item (a duplicate does not count); dave's item 9 has no feature row.
  const csv = "user,item\nbob,4\nalice,2\nalice,0\ncarol,3\ncarol,3\nbob,2\ndave,9\ndave,0\n";
  const dir = await runFilter(csv, 6, 2);
  try {
    const report = JSON.parse(await Deno.readTextFile(`${dir}/out/filter_report.json`));
    assert(report.rawLines === 8 && report.rawUsers === 4, JSON.stringify(report));
    assert(report.duplicatePairs === 1, "duplicates");
    assert(report.linesWithoutFeatures === 1, "featureless");
    assert(report.usersBelowMin === 2 && report.interactionsOfDroppedUsers === 2, "light users");
    assert(report.users === 2 && report.items === 3 && report.interactions === 4, "kept counts");
    assert(
      JSON.stringify(await readIdMap(`${dir}/out/user_map.csv`)) === '["bob","alice"]',
      "user map",
    );
    assert(
      JSON.stringify(await readIdMap(`${dir}/out/item_map.csv`)) === '["0","2","4"]',
      "item map",
    );
    const pairs = await readNpy(`${dir}/out/interactions.npy`, { dtype: "int32", shape: [4, 2] });
    // bob = 0 (items 2 -> 1, 4 -> 2), alice = 1 (items 0 -> 0, 2 -> 1); sorted by user, item.
    assert(JSON.stringify(Array.from(pairs.data)) === "[0,1,0,2,1,0,1,1]", `pairs ${pairs.data}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("filter-users errors name the file and line", async () => {
  await assertRejects(
    () => runFilter("user,item\nalice,1\nbob,-3\n", 4, 1),
    "in.csv:3",
    "'item'",
    "'-3'",
  );
});
