/**
 * End to end: fused grid levels (docs/performance.md#fused-grid-levels) on `paper-lite` at smoke
 * scale.
 * - Fused and `--no-fuse` runs of the whole tuned path give byte-identical `metrics.json` and
 *   tables, and every node the same key and the same output bytes (except the files that carry
 *   wall-clock timings); the fused run says which nodes shared a job.
 * - kill -9 in the middle of a fused MF-BPR level (at its points' checkpoints): the rerun resumes
 *   every point that had a checkpoint from it, and ends byte-identical to an uninterrupted run.
 * Both modes run in-process (`--jobs 1`), where fusion saves the least; the timings printed are
 * informational (`deno task bench:fuse` measures them side by side).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { amr, entries, type EntryInfo, listDir, startAmr } from "../drills/helpers.ts";

const LITE = ["--profile", "paper-lite", "--dataset", "smoke"];
/** Outputs whose content carries wall-clock timings (differ between any two runs). */
const TIMED = new Set(["train_summary.json", "report.html", "report.md"]);

/** Node id -> its entry; one entry per node. */
function byNode(root: string): Map<string, EntryInfo> {
  const out = new Map<string, EntryInfo>();
  for (const e of entries(root)) {
    assert.ok(!out.has(e.node), `two entries of ${e.node}`);
    out.set(e.node, e);
  }
  return out;
}

/** The output hashes that do not carry timings. */
function untimed(e: EntryInfo): Record<string, string> {
  return Object.fromEntries(
    Object.entries(e.outputs).filter(([n]) => !TIMED.has(n)).map(([n, o]) => [n, o.sha256]),
  );
}

/** Every node of `a` is in `b` with the same untimed outputs (and the same key when asked). */
function sameOutputs(a: string, b: string, keys: boolean): void {
  const A = byNode(a);
  const B = byNode(b);
  assert.deepEqual([...A.keys()].sort(), [...B.keys()].sort());
  for (const [node, e] of A) {
    assert.deepEqual(untimed(e), untimed(B.get(node)!), node);
    if (keys && node.startsWith("tune-")) assert.equal(e.key, B.get(node)!.key, node);
  }
}

Deno.test({
  name: "e2e: paper-lite fused and --no-fuse give byte-identical metrics, tables and outputs",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const base = await Deno.makeTempDir({ prefix: "amr_e2e_fused_" });
    try {
      const fused = join(base, "fused");
      const apart = join(base, "apart");
      let t0 = performance.now();
      const f = await amr(fused, ["reproduce", ...LITE, "--jobs", "1"]);
      const fusedS = (performance.now() - t0) / 1000;
      assert.equal(f.code, 0, f.stderr);
      t0 = performance.now();
      const n = await amr(apart, ["reproduce", ...LITE, "--jobs", "1", "--no-fuse"]);
      const apartS = (performance.now() - t0) / 1000;
      assert.equal(n.code, 0, n.stderr);
      console.log(
        `paper-lite smoke, --jobs 1: fused ${fusedS.toFixed(1)} s, --no-fuse ${
          apartS.toFixed(1)
        } s`,
      );
      // Every BPR grid level (MF-BPR, DUIF from both starts, VBPR, AMR's eps and lambda) ran fused.
      for (const level of ["mf-bpr", "duif", "vbpr", "amr"]) {
        assert.match(
          f.stderr,
          new RegExp(`\\[tune-${level}@[^\\]]*\\] running .*\\[fused: \\d+ nodes in one job\\]`),
        );
      }
      assert.doesNotMatch(n.stderr, /fused:/);
      const results = (root: string) => join(root, "results/smoke/paper-lite");
      assert.equal(
        await Deno.readTextFile(join(results(fused), "metrics.json")),
        await Deno.readTextFile(join(results(apart), "metrics.json")),
      );
      const tables = listDir(join(results(fused), "tables"));
      assert.ok(tables.length >= 3, tables.join(", "));
      assert.deepEqual(listDir(join(results(apart), "tables")), tables);
      for (const t of tables) {
        assert.equal(
          await Deno.readTextFile(join(results(fused), "tables", t)),
          await Deno.readTextFile(join(results(apart), "tables", t)),
          t,
        );
      }
      sameOutputs(fused, apart, true);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
});

Deno.test({
  name: "e2e: kill -9 in a fused level; the rerun resumes every checkpointed point, byte-identical",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const base = await Deno.makeTempDir({ prefix: "amr_e2e_fused_kill_" });
    try {
      // MF-BPR's 34-point level, 30 epochs, a checkpoint every k epochs (k random in 2..4).
      const k = 2 + Math.floor(Math.random() * 3);
      const args = [
        "reproduce",
        ...LITE,
        "--jobs",
        "1",
        "--set",
        "tune.epochs=30",
        "select-mf-bpr",
      ];
      const env = { PIPELINE_CHECKPOINT_EPOCHS: String(k) };
      const whole = join(base, "whole");
      const w = await amr(whole, args, env);
      assert.equal(w.code, 0, w.stderr);

      const root = join(base, "killed");
      const run = startAmr(root, args, env);
      const ckDir = join(root, "store", ".checkpoints");
      let exited = false;
      run.child.status.then(() => exited = true);
      // Killed once the level's points have written checkpoints (all at the same epoch).
      while (listDir(ckDir).filter((n) => n.endsWith(".ckpt")).length < 34) {
        assert.ok(!exited, `the run ended before the level checkpointed:\n${run.stderr()}`);
        await new Promise((r) => setTimeout(r, 2));
      }
      run.child.kill("SIGKILL");
      assert.notEqual((await run.done()).code, 0);
      assert.ok(!entries(root).some((e) => e.node.startsWith("tune-mf-bpr@")));

      const again = await amr(root, args, env);
      assert.equal(again.code, 0, again.stderr);
      const resumed = [
        ...again.stderr.matchAll(/\[(tune-mf-bpr@\S+)\] resumed mf-bpr at epoch (\d+)\/30/g),
      ];
      assert.ok(resumed.length >= 34, `${resumed.length} points resumed:\n${again.stderr}`);
      for (const m of resumed) assert.equal(Number(m[2]) % k, 0, `${m[1]} at a checkpointed epoch`);
      console.log(
        `fused level killed; ${resumed.length} points resumed at epoch ${
          resumed[0][2]
        } (every ${k})`,
      );
      sameOutputs(whole, root, true);
      assert.deepEqual(
        listDir(ckDir).filter((n) => n.endsWith(".ckpt")),
        [],
        "checkpoints removed",
      );
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
});
