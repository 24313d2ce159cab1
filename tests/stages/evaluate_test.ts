/**
 * Tests of stages/evaluate.ts: the stage's files, and the tune phase's cold flags (the
 * evaluation itself is tested in tests/models/evaluation_test.ts).
 */
import assert from "node:assert/strict";
import { readNpy, writeNpy } from "../../io/npy.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { silentProgress } from "../../pipeline/stage/progress.ts";
import { stage } from "../../stages/evaluate.ts";
import { writePairs } from "../../io/interactions.ts";
import { NO_CHECKPOINTS } from "../../pipeline/stage/checkpoint.ts";
import { SCORES, TARGET } from "../models/_eval_case.ts";

Deno.test("evaluate stage: writes ranks, metrics, cold flags and summary; tune drops validation pairs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amr_eval_" });
  try {
    await writeNpy(`${dir}/scores.npy`, { dtype: "float32", shape: [4, 4], data: SCORES });
    await writeNpy(`${dir}/target.npy`, { dtype: "int32", shape: [4], data: TARGET });
    // User 0's only pair with item 4 is its validation pair; user 3 has item 6.
    await writePairs(`${dir}/train.npy`, {
      users: new Int32Array([0, 3, 1]),
      items: new Int32Array([4, 6, 7]),
    });
    const run = async (phase: "final" | "tune") => {
      const out = `${dir}/${phase}`;
      await Deno.mkdir(out);
      await stage.run({
        params: stage.params.parse({ phase, model: "x" }),
        inputs: {
          scores: `${dir}/scores.npy`,
          target: `${dir}/target.npy`,
          train: `${dir}/train.npy`,
        },
        outDir: out,
        rng: new Rng(1),
        progress: silentProgress,
        signal: new AbortController().signal,
        log: () => {},
        checkpoint: NO_CHECKPOINTS,
      });
      return out;
    };
    const fin = await run("final");
    const ranks = await readNpy(`${fin}/ranks.npy`);
    assert.deepEqual(ranks.shape, [4]);
    assert.deepEqual([...ranks.data], [0, 2, -1, 3]);
    const metrics = await readNpy(`${fin}/metrics.npy`);
    assert.deepEqual(metrics.shape, [4, 6]);
    assert.deepEqual([...(await readNpy(`${fin}/cold.npy`)).data], [0, 1, 0, 0]);
    const summary = JSON.parse(await Deno.readTextFile(`${fin}/summary.json`));
    assert.equal(summary.overall.users, 3);
    assert.equal(summary.cold.users, 1);
    // In the tune phase each user's target (validation) pair leaves training: items 4 and 6
    // were only those users' own target pairs, so they become cold; user 2 has no target.
    const tune = await run("tune");
    assert.deepEqual([...(await readNpy(`${tune}/cold.npy`)).data], [1, 1, 0, 1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
