/**
 * The reliability drills on the WebGPU backend (lavapipe in CI), on `vbpr` and its upstream of
 * the smoke target (VBPR trains on the device):
 * - kill -9 at a checkpoint of the device-trained VBPR, rerun: it resumes from the checkpoint,
 *   says so, and its outputs are byte-identical to an uninterrupted WebGPU run's (the device's
 *   arithmetic is deterministic on one machine; across backends results are compared by
 *   tolerance only);
 * - SIGINT while VBPR trains on the device: exit 130, the stage named as cancelled, no `.tmp`
 *   left, and the store verifies.
 * A WebGPU run on lavapipe takes tens of seconds, so only with `AMR_TEST_WEBGPU_SMOKE=1`
 * (`.ci/run`) and an adapter.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { amr, entryOf, listDir, SMOKE, startAmr } from "./helpers.ts";
import { hasWebgpu } from "../models/_webgpu.ts";

const ENABLED = Deno.env.get("AMR_TEST_WEBGPU_SMOKE") === "1";
const VBPR = ["reproduce", ...SMOKE, "--backend", "webgpu", "vbpr"];
/** Outputs whose content carries wall-clock timings. */
const TIMED = new Set(["train_summary.json"]);

Deno.test({
  name: "drill (WebGPU): kill -9 mid-training resumes byte-identical; SIGINT exits 130",
  ignore: !ENABLED,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    if (!(await hasWebgpu("the WebGPU drills"))) return;
    const base = await Deno.makeTempDir({ prefix: "amr_gpu_drill_base_" });
    const env = { XDG_RUNTIME_DIR: base };
    const first = await amr(base, VBPR, env);
    assert.equal(first.code, 0, first.stderr);
    const whole = entryOf(base, "vbpr");
    const runtime = JSON.parse(
      Deno.readTextFileSync(join(base, "store", whole.key, "manifest.json")),
    ).runtime as Record<string, string>;
    assert.ok(
      Object.values(runtime).includes("webgpu"),
      `not a WebGPU run: ${JSON.stringify(runtime)}`,
    );

    await t.step(
      "kill -9 at a checkpoint of the device run, rerun resumes identically",
      async () => {
        const root = await Deno.makeTempDir({ prefix: "amr_gpu_drill_kill_" });
        const k = 1 + Math.floor(Math.random() * 3);
        const runEnv = { ...env, PIPELINE_CHECKPOINT_EPOCHS: String(k) };
        const run = startAmr(root, VBPR, runEnv);
        await run.waitFor(/\[vbpr\] running/);
        const ckDir = join(root, "store", ".checkpoints");
        let exited = false;
        run.child.status.then(() => exited = true);
        // MF-BPR committed (and dropped its checkpoint) before VBPR started: this one is VBPR's.
        while (!listDir(ckDir).some((n) => n.endsWith(".ckpt"))) {
          assert.ok(!exited, `the run ended before VBPR's first checkpoint:\n${run.stderr()}`);
          await new Promise((r) => setTimeout(r, 2));
        }
        run.child.kill("SIGKILL");
        assert.notEqual((await run.done()).code, 0);

        const again = await amr(root, VBPR, runEnv);
        assert.equal(again.code, 0, again.stderr);
        const m = /\[vbpr\] resumed vbpr at epoch (\d+)\/(\d+)/.exec(again.stderr);
        assert.ok(m, `no "resumed" line:\n${again.stderr}`);
        console.log(`WebGPU drill: checkpoints every ${k}; resumed vbpr at epoch ${m[1]}/${m[2]}`);
        assert.equal(Number(m[1]) % k, 0, "resumed at a checkpointed epoch");
        const resumed = entryOf(root, "vbpr");
        assert.equal(resumed.key, whole.key, "same node, same key");
        for (const [name, rec] of Object.entries(whole.outputs)) {
          if (TIMED.has(name)) continue;
          assert.equal(resumed.outputs[name]?.sha256, rec.sha256, `vbpr/${name} differs`);
        }
        await Deno.remove(root, { recursive: true });
      },
    );

    await t.step(
      "SIGINT while VBPR trains on the device: exit 130, nothing half-written",
      async () => {
        const run = startAmr(base, [...VBPR, "--force", "vbpr"], env);
        await run.waitFor(/\[vbpr\] running/);
        run.child.kill("SIGINT");
        const r = await run.done();
        assert.equal(r.code, 130, r.stderr);
        assert.match(
          r.stderr,
          /cancelled: \d+ stage\(s\) finished and stay cached, 1 cancelled \(vbpr/,
        );
        assert.deepEqual(listDir(join(base, "store", ".tmp")), []);
        const v = await amr(base, ["verify"], env);
        assert.equal(v.code, 0, v.stdout + v.stderr);
      },
    );
    await Deno.remove(base, { recursive: true });
  },
});
