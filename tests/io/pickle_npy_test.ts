/**
 * Fixtures (tests/fixtures/pickled_weights_py3.npy, 792 bytes, and pickled_weights_py2.npy,
 * 655 bytes) were made once with NumPy 2.4.6 / Python 3.11 by this command (numpy.save always
 * pickles with protocol 4 nowadays, so the header is written with NumPy's own helpers and the
 * body with pickle protocol 2, exactly what numpy.save does for object arrays):
 *
 * python3 - <<'EOF'
 * import io, struct, numpy as np, pickle
 * P = ((np.arange(20, dtype=np.float32) - 7.5) / 8).reshape(5, 4)
 * Q = (np.arange(24, dtype=np.float32) * 0.25 - 1).reshape(6, 4)
 * ET = np.array([[1.5, -2, 0.125, 3e-5], [1 / 3, -0.0, 1e10, -7], [0.5] * 4], dtype=np.float32)
 * arr = np.empty(3, dtype=object); arr[:] = [P, Q, ET]
 * class Py2(pickle._Pickler):  # Python 2 'str': raw latin1 bytes in (SHORT_)BINSTRING
 *     dispatch = pickle._Pickler.dispatch.copy()
 *     def save_str8(self, obj):
 *         b = obj.encode("latin1") if isinstance(obj, str) else obj
 *         self.write((b"U" + bytes([len(b)])) if len(b) < 256 else (b"T" + struct.pack("<i", len(b))))
 *         self.write(b); self.memoize(obj)
 *     dispatch[bytes] = save_str8; dispatch[str] = save_str8
 * for name, py2 in [("py3", False), ("py2", True)]:
 *     with open(f"tests/fixtures/pickled_weights_{name}.npy", "wb") as f:
 *         np.lib.format.write_array_header_1_0(f, np.lib.format.header_data_from_array_1_0(arr))
 *         if not py2:
 *             pickle.dump(arr, f, protocol=2)
 *         else:
 *             buf = io.BytesIO(); Py2(buf, protocol=2).dump(arr)
 *             f.write(buf.getvalue().replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n"))
 * EOF
 *
 * The py3 file stores the raw data as `_codecs.encode(<latin1 text>, 'latin1')` (BINUNICODE);
 * the py2 file mimics the authors' Python 2 file: SHORT_BINSTRING/BINSTRING data and type codes
 * and the `numpy.core.multiarray` module name. The authors' real `weights/best-vbpr.npy`
 * (github.com/duxy-me/AMR, 2.6 MB) is checked too when AMR_BEST_VBPR names it.
 */
import {
  type PickledArray,
  readPickledNpy,
  readPickledWeights,
  unpickle,
} from "../../io/pickle_npy.ts";
import { assert, assertArrayEquals, assertEquals, assertRejects, makeTempDir } from "./helpers.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;
const PY3 = `${FIXTURES}pickled_weights_py3.npy`;
const PY2 = `${FIXTURES}pickled_weights_py2.npy`;

function expectedP(): number[] {
  return Array.from({ length: 20 }, (_, k) => (k - 7.5) / 8);
}
function expectedQ(): number[] {
  return Array.from({ length: 24 }, (_, k) => k * 0.25 - 1);
}
function expectedET(): Float32Array {
  return Float32Array.from([1.5, -2, 0.125, 3e-5, 1 / 3, -0, 1e10, -7, 0.5, 0.5, 0.5, 0.5]);
}

async function withBytes(bytes: Uint8Array): Promise<string> {
  const path = `${await makeTempDir("pickle_npy_")}/w.npy`;
  await Deno.writeFile(path, bytes);
  return path;
}

for (const [name, path] of [["Python 3 protocol 2", PY3], ["Python 2 style", PY2]]) {
  Deno.test(`readPickledWeights: ${name} fixture`, async () => {
    const w = await readPickledWeights(path);
    assertEquals(w.P.shape, [5, 4]);
    assertEquals(w.Q.shape, [6, 4]);
    assertEquals(w.ET.shape, [3, 4]);
    assertEquals([w.P.dtype, w.Q.dtype, w.ET.dtype], ["float32", "float32", "float32"]);
    assert(w.P.data instanceof Float32Array);
    assertArrayEquals(w.P.data, expectedP(), "P");
    assertArrayEquals(w.Q.data, expectedQ(), "Q");
    assertArrayEquals(w.ET.data, expectedET(), "E^T");
  });
}

Deno.test("unpickle: unsupported opcode names the opcode and its file offset", async () => {
  const bytes = await Deno.readFile(PY3);
  assertEquals(bytes[128], 0x80); // PROTO right after the 128-byte .npy header
  assertEquals(bytes[130], 0x63); // GLOBAL
  const bad = bytes.slice();
  bad[130] = 0x8c; // SHORT_BINUNICODE (protocol 4)
  await assertRejects(
    async () => readPickledWeights(await withBytes(bad)),
    "unsupported pickle opcode 0x8c at byte 130",
  );
  // Protocol 4 (numpy.save's default today) is refused at PROTO.
  assertEquals(
    errorOf(() => unpickle(Uint8Array.from([0x80, 4, 0x4e, 0x2e]), { baseOffset: 128 })),
    "pickle PROTO at byte 128: unsupported pickle protocol 4 (expected 2 or 3)",
  );
});

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

Deno.test("unpickle: only numpy's globals are allowed; truncation is reported", async () => {
  const bytes = await Deno.readFile(PY3);
  const text = new TextDecoder("latin1").decode(bytes);
  const at = text.indexOf("cnumpy\ndtype\n");
  assert(at > 0);
  const bad = bytes.slice();
  bad.set(new TextEncoder().encode("cposix\nspawn\n"), at); // same length as "cnumpy\ndtype\n"
  await assertRejects(
    async () => readPickledWeights(await withBytes(bad)),
    `byte ${at}`,
    "unsupported pickle global 'posix.spawn'",
  );
  await assertRejects(
    async () => readPickledWeights(await withBytes(bytes.slice(0, 400))),
    "byte",
    "truncated",
  );
  const small = unpickle(Uint8Array.from([0x80, 2, 0x5d, 0x28, 0x4b, 7, 0x4d, 1, 1, 0x65, 0x2e]));
  assertEquals(small, { kind: "list", items: [7, 257] });
});

Deno.test("readPickledNpy: rejects non-object .npy files and wrong contents", async () => {
  const plain = new Uint8Array(128);
  plain.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
  plain.set(
    new TextEncoder().encode(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }".padEnd(117, " ") + "\n",
    ),
    10,
  );
  await assertRejects(async () => readPickledNpy(await withBytes(plain)), "descr '|O'");
  const arr: PickledArray = await readPickledNpy(PY2);
  assertEquals(arr.shape, [3]);
});

const REAL = Deno.env.get("AMR_BEST_VBPR");
Deno.test({
  name: "readPickledWeights: the authors' best-vbpr.npy (set AMR_BEST_VBPR)",
  ignore: !REAL,
  fn: async () => {
    const w = await readPickledWeights(REAL!);
    assertEquals([w.P.shape, w.Q.shape, w.ET.shape], [[3226, 64], [4998, 64], [2048, 64]]);
    assert(w.P.data.every(Number.isFinite));
  },
});
