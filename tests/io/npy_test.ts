import {
  encodeNpyHeader,
  NpyRowWriter,
  openNpyRows,
  readNpy,
  readNpyHeader,
  writeNpy,
} from "../../io/npy.ts";

function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

function assertArrayEquals(a: ArrayLike<number>, b: ArrayLike<number>, msg = ""): void {
  assert(a.length === b.length, `${msg} length ${a.length} != ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    assert(Object.is(a[i], b[i]) || a[i] === b[i], `${msg} element ${i}: ${a[i]} != ${b[i]}`);
  }
}

async function assertRejects(fn: () => Promise<unknown>, ...parts: string[]): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const m = (e as Error).message;
    for (const p of parts) assert(m.includes(p), `error '${m}' lacks '${p}'`);
    return;
  }
  throw new Error(`expected an error containing ${parts.join(", ")}`);
}

async function hasNumpy(): Promise<boolean> {
  try {
    const out = await new Deno.Command("python3", { args: ["-c", "import numpy"], stderr: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

async function python(script: string): Promise<string> {
  const out = await new Deno.Command("python3", { args: ["-c", script] }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`python3 failed: ${new TextDecoder().decode(out.stderr)}`);
  return text;
}

Deno.test("npy header is padded to 64 bytes and ends with a newline", () => {
  for (const shape of [[], [3], [3, 4], [123456789, 2048]]) {
    const h = encodeNpyHeader("float32", shape);
    assert(h.length % 64 === 0, `header length ${h.length}`);
    assert(h[h.length - 1] === 0x0a);
    assert(h[6] === 1);
  }
});

Deno.test("npy round-trips float32, int32 and uint8", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = new Float32Array([1.5, -2, 0, Infinity, NaN, 3e-38]);
    await writeNpy(`${dir}/f.npy`, { dtype: "float32", shape: [2, 3], data: f });
    const rf = await readNpy(`${dir}/f.npy`, { dtype: "float32", shape: [2, null] });
    assert(rf.dtype === "float32");
    assertArrayEquals(rf.shape, [2, 3]);
    assertArrayEquals(rf.data, f);

    const i = new Int32Array([0, -1, 2147483647, -2147483648]);
    await writeNpy(`${dir}/i.npy`, { dtype: "int32", shape: [4], data: i });
    assertArrayEquals((await readNpy(`${dir}/i.npy`)).data, i);

    const u = new Uint8Array([0, 255, 7]);
    await writeNpy(`${dir}/u.npy`, { dtype: "uint8", shape: [3, 1], data: u });
    const ru = await readNpy(`${dir}/u.npy`);
    assert(ru.dtype === "uint8");
    assertArrayEquals(ru.data, u);

    await writeNpy(`${dir}/e.npy`, { dtype: "int32", shape: [0, 2], data: new Int32Array(0) });
    const re = await readNpy(`${dir}/e.npy`);
    assertArrayEquals(re.shape, [0, 2]);

    const h = await readNpyHeader(`${dir}/f.npy`);
    assert(h.headerBytes === 128 && h.dtype === "float32", `header ${h.headerBytes}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("npy errors name the file and expected vs found", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = `${dir}/a.npy`;
    await writeNpy(p, { dtype: "float32", shape: [2, 3], data: new Float32Array(6) });
    await assertRejects(
      () => readNpy(p, { dtype: "int32" }),
      p,
      "expected dtype int32",
      "found float32",
    );
    await assertRejects(
      () => readNpy(p, { shape: [2, 4] }),
      p,
      "expected shape [2, 4]",
      "found [2, 3]",
    );
    await assertRejects(() => readNpy(p, { shape: [null] }), "expected shape [*]");
    const bytes = await Deno.readFile(p);
    await Deno.writeFile(`${dir}/t.npy`, bytes.subarray(0, bytes.length - 3));
    await assertRejects(() => readNpy(`${dir}/t.npy`), `${dir}/t.npy`, "truncated");
    await Deno.writeFile(`${dir}/m.npy`, new TextEncoder().encode("hello world, not numpy"));
    await assertRejects(() => readNpy(`${dir}/m.npy`), `${dir}/m.npy`, "bad magic");
    const fortran = new Uint8Array(bytes);
    const text = new TextDecoder().decode(fortran.subarray(10, 64)).replace("False", "True ");
    fortran.set(new TextEncoder().encode(text), 10);
    await Deno.writeFile(`${dir}/fo.npy`, fortran);
    await assertRejects(() => readNpy(`${dir}/fo.npy`), "fortran_order");
    const w = await NpyRowWriter.create(`${dir}/w.npy`, "float32", 2, 3);
    await w.write(new Float32Array(2));
    await assertRejects(() => w.write(new Float32Array(3)), "multiple of 2");
    await assertRejects(() => w.close(), "closed after 1 rows", "declares 3");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("NpyRowWriter and openNpyRows stream row ranges", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rows = 1000;
    const cols = 7;
    const w = await NpyRowWriter.create(`${dir}/s.npy`, "float32", cols, rows);
    for (let start = 0; start < rows; start += 128) {
      const n = Math.min(128, rows - start);
      const chunk = new Float32Array(n * cols);
      for (let k = 0; k < chunk.length; k++) chunk[k] = start * cols + k;
      await w.write(chunk);
    }
    await w.close();
    const all = await readNpy(`${dir}/s.npy`, { shape: [rows, cols] });
    for (let k = 0; k < rows * cols; k++) assert(all.data[k] === k, `element ${k}`);
    const r = await openNpyRows(`${dir}/s.npy`, { dtype: "float32" });
    assert(r.rows === rows && r.cols === cols);
    const part = await r.read(500, 503);
    assertArrayEquals(part, all.data.subarray(500 * cols, 503 * cols));
    assert((await r.read(10, 10)).length === 0);
    await assertRejects(() => r.read(999, 1001), "bad row range");
    r.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("npy reads files written by NumPy and NumPy reads ours", async (t) => {
  if (!(await hasNumpy())) {
    console.warn("SKIPPED: python3 with numpy is not available; NumPy interoperability not tested");
    return;
  }
  const dir = await Deno.makeTempDir();
  try {
    await python(`
import numpy as np
d = ${JSON.stringify(dir)}
np.save(d + "/f4.npy", np.arange(12, dtype="<f4").reshape(3, 4) / 8)
np.save(d + "/f8.npy", np.array([[0.1, -2.5], [1e30, 3.0]], dtype="<f8"))
np.save(d + "/i4.npy", np.array([1, -2, 3], dtype="<i4"))
np.save(d + "/i8.npy", np.array([[5, -6], [2147483647, -2147483648]], dtype="<i8"))
np.save(d + "/i8big.npy", np.array([1, 2**40], dtype="<i8"))
np.save(d + "/u1.npy", np.array([0, 200, 255], dtype="u1"))
np.save(d + "/fo.npy", np.asfortranarray(np.ones((3, 2), dtype="<f4")))
np.save(d + "/be.npy", np.ones(3, dtype=">f4"))
np.lib.format.write_array(open(d + "/v2.npy", "wb"), np.ones((2, 2), dtype="<f4"), version=(2, 0))
`);
    await t.step("reads every supported dtype", async () => {
      const f4 = await readNpy(`${dir}/f4.npy`, { dtype: "float32", shape: [3, 4] });
      for (let k = 0; k < 12; k++) assert(f4.data[k] === k / 8);
      const f8 = await readNpy(`${dir}/f8.npy`, { dtype: "float32", shape: [2, 2] });
      assertArrayEquals(f8.data, new Float32Array([0.1, -2.5, 1e30, 3]));
      assertArrayEquals((await readNpy(`${dir}/i4.npy`)).data, [1, -2, 3]);
      const i8 = await readNpy(`${dir}/i8.npy`, { dtype: "int32" });
      assertArrayEquals(i8.data, [5, -6, 2147483647, -2147483648]);
      assertArrayEquals((await readNpy(`${dir}/u1.npy`, { dtype: "uint8" })).data, [0, 200, 255]);
      assertArrayEquals((await readNpy(`${dir}/v2.npy`)).data, [1, 1, 1, 1]);
      const rows = await openNpyRows(`${dir}/i8.npy`);
      assertArrayEquals(await rows.read(1, 2), [2147483647, -2147483648]);
      rows.close();
    });
    await t.step("rejects int64 overflow, fortran order and big-endian", async () => {
      await assertRejects(() => readNpy(`${dir}/i8big.npy`), "i8big.npy", "1099511627776", "int32");
      await assertRejects(() => readNpy(`${dir}/fo.npy`), "fo.npy", "fortran_order");
      await assertRejects(() => readNpy(`${dir}/be.npy`), "be.npy", "'>f4'");
    });
    await t.step("numpy.load reads our files", async () => {
      await writeNpy(`${dir}/ours_f.npy`, {
        dtype: "float32",
        shape: [2, 3],
        data: new Float32Array([1, 2, 3, 4.5, 5, -6]),
      });
      await writeNpy(`${dir}/ours_i.npy`, {
        dtype: "int32",
        shape: [3],
        data: new Int32Array([7, -8, 9]),
      });
      await writeNpy(`${dir}/ours_u.npy`, {
        dtype: "uint8",
        shape: [2],
        data: new Uint8Array([1, 250]),
      });
      const w = await NpyRowWriter.create(`${dir}/ours_s.npy`, "float32", 3, 4);
      await w.write(new Float32Array([0, 1, 2, 3, 4, 5]));
      await w.write(new Float32Array([6, 7, 8, 9, 10, 11]));
      await w.close();
      const out = await python(`
import numpy as np
d = ${JSON.stringify(dir)}
a = np.load(d + "/ours_f.npy"); b = np.load(d + "/ours_i.npy"); c = np.load(d + "/ours_u.npy")
s = np.load(d + "/ours_s.npy")
print(a.dtype, a.shape, a.tolist()); print(b.dtype, b.tolist()); print(c.dtype, c.tolist())
print(s.dtype, s.shape, int(s.sum()))
`);
      const lines = out.trim().split("\n");
      assert(lines[0] === "float32 (2, 3) [[1.0, 2.0, 3.0], [4.5, 5.0, -6.0]]", lines[0]);
      assert(lines[1] === "int32 [7, -8, 9]", lines[1]);
      assert(lines[2] === "uint8 [1, 250]", lines[2]);
      assert(lines[3] === "float32 (4, 3) 66", lines[3]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
