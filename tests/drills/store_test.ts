/**
 * Drills on the real CLI (smoke target, temporary artifacts root):
 * - two concurrent runs on one store both succeed with identical results;
 * - a flipped byte in a cached input is detected before the read, the entry quarantined, the
 *   file named, the producer rerun (healed bit-identically);
 * - NaN injection (a features entry holding a NaN whose manifest was made to match, so no hash
 *   check can see it) is refused by training with the epoch, batch and parameter named, and
 *   nothing is committed from it;
 * - full disk (a 1 MiB tmpfs; only as root, else skipped with the reason): a clean error and a
 *   store that verifies.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { amr, entries, entryOf, listDir, SMOKE } from "./helpers.ts";
import { sha256 } from "../../pipeline/stage/hash.ts";

function metrics(root: string): string {
  return Deno.readTextFileSync(join(root, "results", "smoke", "smoke", "metrics.json"));
}

Deno.test({
  name: "drill: concurrent runs, flipped byte healed, NaN injection refused",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const root = await Deno.makeTempDir({ prefix: "amr_drill_store_" });

    await t.step("two concurrent runs on one store: both succeed, identical", async () => {
      const [a, b] = await Promise.all([
        amr(root, ["reproduce", ...SMOKE]),
        amr(root, ["reproduce", ...SMOKE]),
      ]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      const table = (out: string) => out.replace(/ran\s+[\d.]+ s/g, "ran").split("\n")[0];
      assert.equal(table(a.stdout), table(b.stdout));
      const v = await amr(root, ["verify"]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
    });

    await t.step("a flipped byte in the cached features is healed and named", async () => {
      const before = metrics(root);
      const features = entryOf(root, "features");
      const file = join(root, "store", features.key, "features.npy");
      const bytes = await Deno.readFile(file);
      const good = bytes.slice();
      bytes[bytes.length - 3] ^= 0x10;
      await Deno.writeFile(file, bytes);
      const r = await amr(root, ["reproduce", ...SMOKE, "--force", "vbpr"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`hash mismatch: ${file}`));
      assert.match(r.stderr, /quarantined to .*\.quarantine/);
      assert.deepEqual(await Deno.readFile(file), good, "features rebuilt bit-identical");
      assert.equal(listDir(join(root, "store", ".quarantine")).length, 1);
      assert.equal(metrics(root), before);
    });

    await t.step("NaN injected into features behind a matching manifest is refused", async () => {
      const features = entryOf(root, "features");
      const dir = join(root, "store", features.key);
      const bytes = await Deno.readFile(join(dir, "features.npy"));
      // The last float32 of the matrix becomes NaN (0x7fc00000, little-endian).
      bytes.set([0x00, 0x00, 0xc0, 0x7f], bytes.length - 4);
      await Deno.writeFile(join(dir, "features.npy"), bytes);
      const manifest = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
      manifest.outputs["features.npy"] = { sha256: sha256(bytes), size: bytes.length };
      await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
      const vbprBefore = entries(root).filter((e) => e.node === "vbpr").length;
      const r = await amr(root, ["reproduce", ...SMOKE]);
      assert.notEqual(r.code, 0);
      assert.match(
        r.stderr,
        /training diverged at epoch \d+, batch \d+: loss is NaN; (parameter [A-Z]\[\d+, \d+\] is NaN|every parameter is finite)/,
      );
      assert.match(r.stderr, /nothing was committed/);
      assert.equal(entries(root).filter((e) => e.node === "vbpr").length, vbprBefore);
    });
    await Deno.remove(root, { recursive: true });
  },
});

async function canMountTmpfs(dir: string): Promise<string | null> {
  if (Deno.uid() !== 0) return "not root (mounting a tmpfs needs root)";
  try {
    const r = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!r.success) return `mount -t tmpfs failed: ${new TextDecoder().decode(r.stderr).trim()}`;
    return null;
  } catch (e) {
    return `mount is not available: ${(e as Error).message}`;
  }
}

Deno.test({
  name: "drill: full disk gives a clean error and leaves a verifiable store",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const mnt = await Deno.makeTempDir({ prefix: "amr_drill_full_" });
    const why = await canMountTmpfs(mnt);
    if (why) {
      console.log(`drill: full disk skipped: ${why}`);
      await t.step({ name: `skipped: ${why}`, ignore: true, fn: () => {} });
      return;
    }
    try {
      const r = await amr(mnt, ["reproduce", ...SMOKE]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /error: .*(No space left on device|os error 28)/);
      assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
      assert.deepEqual(listDir(join(mnt, "store", ".tmp")), [], "no half-written entry left");
      const v = await amr(mnt, ["verify"]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      console.log(`drill: full disk: ${r.stderr.split("\n").find((l) => l.startsWith("error"))}`);
    } finally {
      await new Deno.Command("umount", { args: [mnt] }).output();
      await Deno.remove(mnt, { recursive: true });
    }
  },
});
