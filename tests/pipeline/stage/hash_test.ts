import assert from "node:assert/strict";
import { canonicalJson, hashFile, sha256 } from "../../../pipeline/stage/hash.ts";
import { Rng } from "../../../pipeline/stage/rng.ts";

Deno.test("canonical JSON sorts keys and rejects non-finite numbers", () => {
  assert.equal(
    canonicalJson({ b: 1, a: [1, { d: null, c: "x" }] }),
    '{"a":[1,{"c":"x","d":null}],"b":1}',
  );
  assert.equal(canonicalJson({ a: 1, u: undefined }), '{"a":1}');
  assert.throws(() => canonicalJson({ x: NaN }), /\$\.x is NaN/);
});

Deno.test("file hashing streams and matches the in-memory digest", async () => {
  const path = await Deno.makeTempFile();
  const data = new Uint8Array(5_000_000).map((_, i) => i % 251);
  await Deno.writeFile(path, data);
  const h = await hashFile(path);
  assert.equal(h.size, data.length);
  assert.equal(h.sha256, sha256(data));
  assert.equal(sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

Deno.test("rng is deterministic, forks independently, and is roughly uniform and normal", () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 5 }, () => a.nextU32());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.nextU32()));
  assert.notDeepEqual(new Rng(42).fork("x").nextU32(), new Rng(42).fork("y").nextU32());
  const r = new Rng(7);
  let mean = 0, sq = 0;
  const n = 200_000;
  const counts = new Array(10).fill(0);
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    mean += z / n;
    sq += (z * z) / n;
    counts[r.int(10)]++;
  }
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(sq - 1) < 0.02, `normal moments ${mean} ${sq}`);
  for (const c of counts) assert.ok(Math.abs(c / n - 0.1) < 0.005);
});
