/**
 * A later halving rung (stages/lib/bpr_stage.ts, `-next-rung`) interrupted after a checkpoint
 * and run again resumes from the checkpoint, not from the previous rung's state, and writes the
 * uninterrupted rung's files byte for byte; its `state.ckpt` is reproducible too. A `state`
 * input that does not match the node's `rung.from` is refused naming the file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { phaseInputs } from "../../plan/models.ts";
import * as mfBpr from "../../stages/mf-bpr.ts";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { runModelNode, smokeSetup, stoppedAndResumed } from "./model_helpers.ts";

Deno.test("next rung: killed after a checkpoint, rerun resumes and writes the same bytes", async () => {
  const s = await smokeSetup();
  try {
    const base = s.nodes.get("mf-bpr")!;
    const point = "tune-mf-bpr@lr=0.1,l2=0";
    const params = (epochs: number, rung: Record<string, unknown>) => ({
      ...(base.params as object),
      phase: "tune",
      epochs,
      evalEvery: 2,
      rung: { points: 3, point, ...rung },
    });
    const first: NodeSpec = {
      ...base,
      id: `${point},rung=0`,
      stage: mfBpr.gridFirstRungStage,
      params: params(4, { index: 0, from: 0, continuing: 3 }),
      inputs: phaseInputs("tune"),
    };
    const r0 = await runModelNode(s, first);
    const survivors = join(s.root, "survivors.json");
    await Deno.writeTextFile(
      survivors,
      JSON.stringify({ model: "mf-bpr", rung: 0, epochs: 4, survivors: [point], ranking: [] }),
    );
    s.outputs.halve = { "survivors.json": survivors };
    const next: NodeSpec = {
      ...base,
      id: point,
      stage: mfBpr.gridNextRungStage,
      params: params(12, { index: 1, from: 4, continuing: 1 }),
      inputs: {
        ...phaseInputs("tune"),
        state: { node: first.id, output: "state.ckpt" },
        survivors: { node: "halve", output: "survivors.json" },
      },
    };
    const whole = await runModelNode(s, next);

    // Stopped right after the checkpoint of epoch 7, inside the rung (4 -> 12).
    const { outDir, logs } = await stoppedAndResumed(s, next, 7);
    assert.ok(logs.some((m) => m.includes("resumed mf-bpr at epoch 7/12")), logs.join("\n"));
    for (const f of ["scores.npy", "P.npy", "Q.npy", "curve.csv", "state.ckpt"]) {
      assert.deepEqual(await Deno.readFile(join(outDir, f)), await Deno.readFile(whole[f]), f);
    }
    // The rung state is reproducible: the first rung run again writes the same bytes.
    const again = await runModelNode(s, { ...first, id: "again" });
    assert.deepEqual(
      await Deno.readFile(again["state.ckpt"]),
      await Deno.readFile(r0["state.ckpt"]),
    );
    // A state that does not end where the node says its rung starts is refused.
    await assert.rejects(
      () =>
        runModelNode(s, {
          ...next,
          id: "wrong-from",
          params: params(12, { index: 1, from: 6, continuing: 1 }),
        }),
      /state\.ckpt: the previous rung stopped at epoch 4, but params\.rung\.from is 6/,
    );
  } finally {
    await Deno.remove(s.root, { recursive: true });
  }
});
