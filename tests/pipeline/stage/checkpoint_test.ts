/** Checkpoint files: round trip, key check, corruption ignored, policy, atomic replacement. */
import assert from "node:assert/strict";
import {
  decodeCheckpoint,
  encodeCheckpoint,
  FileCheckpointer,
} from "../../../pipeline/stage/checkpoint.ts";
import { Rng } from "../../../pipeline/stage/rng.ts";

const KEY = "a".repeat(64);

Deno.test("a checkpoint round-trips metadata and typed arrays exactly", () => {
  const data = {
    meta: { epoch: 7, loss: 0.1 + 0.2, curve: [{ epoch: 0, hr: null }] },
    arrays: {
      P: Float32Array.from([1.5, -0, NaN, 3e-39]),
      n: Int32Array.from([-1, 2, 3]),
      b: Uint8Array.from([255]),
      d: Float64Array.from([Math.PI]),
    },
  };
  const back = decodeCheckpoint(encodeCheckpoint(KEY, data), KEY);
  assert.deepEqual(back.meta, data.meta);
  for (const [name, a] of Object.entries(data.arrays)) {
    const b = back.arrays[name];
    assert.equal(b.constructor, a.constructor, name);
    assert.ok(a.every((v, i) => Object.is(v, b[i])), name);
  }
});

Deno.test("a checkpoint of another key or with a flipped payload byte is refused", () => {
  const bytes = encodeCheckpoint(KEY, { meta: {}, arrays: { P: new Float32Array(4) } });
  assert.throws(() => decodeCheckpoint(bytes, "b".repeat(64)), /written for key/);
  bytes[bytes.length - 1] ^= 1;
  assert.throws(() => decodeCheckpoint(bytes, KEY), /SHA-256 mismatch/);
});

Deno.test("an Rng continues exactly from a saved state", () => {
  const a = new Rng(42);
  for (let i = 0; i < 5; i++) a.nextU32();
  a.normal(); // leaves a cached spare
  const b = Rng.fromState(JSON.parse(JSON.stringify(a.state())));
  for (let i = 0; i < 20; i++) assert.equal(b.normal(), a.normal());
  assert.equal(b.nextU32(), a.nextU32());
});

Deno.test("FileCheckpointer saves atomically, loads, ignores a corrupt file, follows its policy", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amr-ckpt-" });
  const path = `${dir}/sub/${KEY}.ckpt`;
  const logs: string[] = [];
  const c = new FileCheckpointer(
    { path, key: KEY, policy: { everyEpochs: 3, everySeconds: 1e9 } },
    (m) => logs.push(m),
  );
  assert.equal(await c.load(), null);
  assert.deepEqual([1, 2, 3, 4, 6].map((e) => c.due(e)), [false, false, true, false, true]);
  await c.save({ meta: { epoch: 3 }, arrays: { P: Float32Array.from([1, 2]) } });
  await c.save({ meta: { epoch: 6 }, arrays: { P: Float32Array.from([3, 4]) } });
  assert.deepEqual([...Deno.readDirSync(`${dir}/sub`)].map((e) => e.name), [`${KEY}.ckpt`]);
  const got = await c.load();
  assert.deepEqual(got?.meta, { epoch: 6 });
  assert.deepEqual([...got!.arrays.P], [3, 4]);
  const bytes = await Deno.readFile(path);
  bytes[bytes.length - 2] ^= 0x40;
  await Deno.writeFile(path, bytes);
  assert.equal(await c.load(), null);
  assert.match(logs.join("\n"), /ignoring unusable checkpoint .*SHA-256 mismatch/);
  const off = new FileCheckpointer({ path, key: KEY, policy: { enabled: false } }, () => {});
  assert.equal(off.due(3), false);
  await Deno.remove(dir, { recursive: true });
});
