/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), little-endian, C order.
 *
 * Supported on-disk dtypes: `<f4` (float32), `<f8` (float64, read as float32), `<i4` (int32),
 * `<i8` (int64, read as int32 with a range check) and `|u1` (uint8). Arrays in memory are always
 * one of the three `NpyDtype`s. Headers are written the way NumPy writes them (version 1.0 unless
 * the header needs more than 65,535 bytes, padded with spaces to a multiple of 64 bytes and ended
 * by a newline), so `numpy.load` reads every file written here.
 *
 * For matrices too large to hold twice (the Amazon features, about 2.4 GB) use `NpyRowWriter`
 * to write rows in chunks and `openNpyRows` to read row ranges by file offset.
 */

import { writeAll } from "./write_all.ts";

/** Element type of an array in memory. */
export type NpyDtype = "float32" | "int32" | "uint8";

/** The typed array that holds elements of a `NpyDtype`. */
export type NpyData = Float32Array | Int32Array | Uint8Array;

/** A dense C-order array: `data.length` is the product of `shape`. */
export interface NpyArray {
  /** Element type. */
  dtype: NpyDtype;
  /** Dimensions, outermost first (`[]` for a scalar). */
  shape: number[];
  /** Elements in C (row-major) order. */
  data: NpyData;
}

/** What `readNpy` checks after reading (each field optional). */
export interface NpyExpect {
  /** Element type after conversion (float64 files read as float32, int64 as int32). */
  dtype?: NpyDtype;
  /** Expected shape; `null` entries match any size. The number of dimensions must match. */
  shape?: (number | null)[];
}

/** A parsed header: the in-memory dtype, the on-disk dtype and where the data starts. */
export interface NpyHeader {
  /** Element type in memory after conversion. */
  dtype: NpyDtype;
  /** The on-disk type string, e.g. `<f8`. */
  descr: string;
  /** Dimensions, outermost first. */
  shape: number[];
  /** Bytes before the data (magic, version, length field and header text). */
  headerBytes: number;
  /** Bytes per element on disk. */
  itemBytes: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface DiskType {
  dtype: NpyDtype;
  itemBytes: number;
}

const DISK_TYPES: Record<string, DiskType> = {
  "<f4": { dtype: "float32", itemBytes: 4 },
  "<f8": { dtype: "float32", itemBytes: 8 },
  "<i4": { dtype: "int32", itemBytes: 4 },
  "<i8": { dtype: "int32", itemBytes: 8 },
  "|u1": { dtype: "uint8", itemBytes: 1 },
  "<u1": { dtype: "uint8", itemBytes: 1 },
  "|i1": { dtype: "uint8", itemBytes: 1 }, // rejected below with a clear message
};

const WRITE_DESCR: Record<NpyDtype, string> = {
  float32: "<f4",
  int32: "<i4",
  uint8: "|u1",
};

const BYTES: Record<NpyDtype, number> = { float32: 4, int32: 4, uint8: 1 };

function assertLittleEndianHost(): void {
  if (!LITTLE_ENDIAN) throw new Error("npy: this module needs a little-endian host");
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? "*" : String(d))).join(", ")}]`;
}

/** Allocates a typed array of `dtype` with `length` elements. */
export function allocNpyData(dtype: NpyDtype, length: number): NpyData {
  switch (dtype) {
    case "float32":
      return new Float32Array(length);
    case "int32":
      return new Int32Array(length);
    case "uint8":
      return new Uint8Array(length);
  }
}

/** Returns the `NpyDtype` of a typed array. */
export function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Uint8Array) return "uint8";
  throw new TypeError("npy: data must be a Float32Array, Int32Array or Uint8Array");
}

/** Parses the header text (the Python dict literal) of a file; `path` is for messages. */
function parseHeaderText(
  text: string,
  path: string,
): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) {
    throw new Error(
      `${path}: malformed .npy header (expected descr, fortran_order, shape): ${text.trim()}`,
    );
  }
  const dims = shape[1].split(",").map((s) => s.trim().replace(/L$/, "")).filter((s) => s !== "");
  const parsed = dims.map((s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new Error(`${path}: bad dimension '${s}' in .npy header shape (${shape[1]})`);
    }
    return n;
  });
  return { descr: descr[1], fortran: fortran[1] === "True", shape: parsed };
}

/** Decodes a header from the first bytes of a file (at least the whole header). */
function decodeHeader(bytes: Uint8Array, path: string, fileSize: number): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${path}: not a .npy file (bad magic: expected \\x93NUMPY at the start)`);
  }
  const major = bytes[6];
  let lenBytes: number;
  if (major === 1) lenBytes = 2;
  else if (major === 2 || major === 3) lenBytes = 4;
  else {throw new Error(
      `${path}: unsupported .npy format version ${major}.${bytes[7]} (expected 1, 2 or 3)`,
    );}
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 + lenBytes) throw new Error(`${path}: truncated .npy header`);
  const headerLen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerBytes = 8 + lenBytes + headerLen;
  if (bytes.length < headerBytes || fileSize < headerBytes) {
    throw new Error(
      `${path}: truncated .npy header (expected ${headerBytes} header bytes, file has ${fileSize})`,
    );
  }
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(8 + lenBytes, headerBytes),
  );
  const { descr, fortran, shape } = parseHeaderText(text, path);
  if (fortran) {
    throw new Error(
      `${path}: fortran_order=True is not supported (expected C order; save with np.ascontiguousarray)`,
    );
  }
  const disk = DISK_TYPES[descr];
  if (!disk || descr === "|i1") {
    throw new Error(
      `${path}: unsupported dtype '${descr}' (expected one of <f4, <f8, <i4, <i8, |u1; big-endian is not supported)`,
    );
  }
  return { dtype: disk.dtype, descr, shape, headerBytes, itemBytes: disk.itemBytes };
}

/** Reads the header of a `.npy` file: dtype (after conversion), shape and header size. */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  const file = await Deno.open(path, { read: true });
  try {
    return await readHeaderFrom(file, path);
  } finally {
    file.close();
  }
}

async function readHeaderFrom(file: Deno.FsFile, path: string): Promise<NpyHeader> {
  const size = (await file.stat()).size;
  const first = new Uint8Array(Math.min(size, 12));
  await readExactly(file, first, path, "header");
  if (first.length < 10 || MAGIC.some((b, i) => first[i] !== b)) {
    throw new Error(`${path}: not a .npy file (bad magic: expected \\x93NUMPY at the start)`);
  }
  const view = new DataView(first.buffer);
  const lenBytes = first[6] === 1 ? 2 : 4;
  const headerLen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const total = 8 + lenBytes + headerLen;
  if (total > size) {
    throw new Error(
      `${path}: truncated .npy header (expected ${total} header bytes, file has ${size})`,
    );
  }
  const all = new Uint8Array(total);
  await file.seek(0, Deno.SeekMode.Start);
  await readExactly(file, all, path, "header");
  return decodeHeader(all, path, size);
}

/** Fills `buf` from the file's current position; throws naming the file if it ends early. */
async function readExactly(
  file: Deno.FsFile,
  buf: Uint8Array,
  path: string,
  what: string,
): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const n = await file.read(buf.subarray(off, Math.min(buf.length, off + (1 << 30))));
    if (n === null || n === 0) {
      throw new Error(`${path}: truncated .npy ${what} (expected ${buf.length} bytes, got ${off})`);
    }
    off += n;
  }
}

function bytesOf(data: NpyData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Converts raw on-disk bytes of `count` elements into the in-memory typed array.
 * `path` and `elementOffset` (index of the first element in the file) only serve error messages.
 */
function convert(
  raw: Uint8Array,
  header: NpyHeader,
  at: { count: number; path: string; elementOffset: number },
): NpyData {
  const { count, path, elementOffset } = at;
  const { descr } = header;
  if (descr === "<f4" || descr === "<i4" || descr === "|u1" || descr === "<u1") {
    // Same layout in memory: reuse the bytes when aligned, copy otherwise.
    const aligned = raw.byteOffset % BYTES[header.dtype] === 0 ? raw : raw.slice();
    if (header.dtype === "float32") {
      return new Float32Array(aligned.buffer, aligned.byteOffset, count);
    }
    if (header.dtype === "int32") return new Int32Array(aligned.buffer, aligned.byteOffset, count);
    return new Uint8Array(aligned.buffer, aligned.byteOffset, count);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (descr === "<f8") {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
    return out;
  }
  // <i8 -> int32 with a range check.
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const lo = view.getUint32(i * 8, true);
    const hi = view.getInt32(i * 8 + 4, true);
    // Fits in int32 iff hi is the sign extension of lo's top bit.
    if ((hi === 0 && lo < 0x80000000) || (hi === -1 && lo >= 0x80000000)) {
      out[i] = lo | 0;
    } else {
      const value = BigInt(hi) * 4294967296n + BigInt(lo);
      throw new Error(
        `${path}: int64 value ${value} at element ${elementOffset + i} does not fit in int32`,
      );
    }
  }
  return out;
}

function checkExpect(
  path: string,
  header: { dtype: NpyDtype; shape: number[]; descr: string },
  expect?: NpyExpect,
): void {
  if (!expect) return;
  if (expect.dtype && expect.dtype !== header.dtype) {
    throw new Error(
      `${path}: expected dtype ${expect.dtype}, found ${header.dtype} (on disk '${header.descr}')`,
    );
  }
  if (expect.shape) {
    const s = expect.shape;
    const ok = s.length === header.shape.length &&
      s.every((d, i) => d === null || d === header.shape[i]);
    if (!ok) {
      throw new Error(
        `${path}: expected shape ${formatShape(s)}, found ${formatShape(header.shape)}`,
      );
    }
  }
}

/**
 * Reads a whole `.npy` file. float64 data is converted to float32 and int64 to int32 (values
 * outside int32 are an error). Errors name the file and what was expected vs found.
 */
export async function readNpy(path: string, expect?: NpyExpect): Promise<NpyArray> {
  assertLittleEndianHost();
  const file = await Deno.open(path, { read: true });
  try {
    const header = await readHeaderFrom(file, path);
    checkExpect(path, header, expect);
    const count = product(header.shape);
    const dataBytes = count * header.itemBytes;
    const size = (await file.stat()).size;
    if (size - header.headerBytes < dataBytes) {
      throw new Error(
        `${path}: truncated .npy data (shape ${
          formatShape(header.shape)
        } needs ${dataBytes} bytes, file has ${size - header.headerBytes})`,
      );
    }
    await file.seek(header.headerBytes, Deno.SeekMode.Start);
    if (header.itemBytes === BYTES[header.dtype]) {
      // Read straight into the destination array: no second copy.
      const data = allocNpyData(header.dtype, count);
      await readExactly(file, bytesOf(data), path, "data");
      return { dtype: header.dtype, shape: header.shape, data };
    }
    const raw = new Uint8Array(dataBytes);
    await readExactly(file, raw, path, "data");
    return {
      dtype: header.dtype,
      shape: header.shape,
      data: convert(raw, header, { count, path, elementOffset: 0 }),
    };
  } finally {
    file.close();
  }
}

/** Builds the full header bytes (magic, version, length, padded dict text) for a dtype and shape. */
export function encodeNpyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`npy: bad dimension ${d} in shape ${formatShape(shape)}`);
    }
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${
    WRITE_DESCR[dtype]
  }', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let version = 1;
  let prefix = 10;
  // Total length (prefix + dict + padding + '\n') must be a multiple of 64.
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 0xffff) {
    version = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  const text = dict.padEnd(total - prefix - 1, " ") + "\n";
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
  return out;
}

/** Writes an array as a `.npy` file readable by `numpy.load`. */
export async function writeNpy(path: string, arr: NpyArray): Promise<void> {
  assertLittleEndianHost();
  if (dtypeOf(arr.data) !== arr.dtype) {
    throw new TypeError(
      `npy: writing ${path}: dtype ${arr.dtype} does not match data (${dtypeOf(arr.data)})`,
    );
  }
  const count = product(arr.shape);
  if (count !== arr.data.length) {
    throw new RangeError(
      `npy: writing ${path}: shape ${
        formatShape(arr.shape)
      } has ${count} elements, data has ${arr.data.length}`,
    );
  }
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    await writeAll(file, encodeNpyHeader(arr.dtype, arr.shape));
    await writeAll(file, bytesOf(arr.data));
  } finally {
    file.close();
  }
}

/**
 * Writes a 2-D `.npy` file of known shape `[rows, cols]` in chunks of whole rows, so a matrix
 * larger than memory (or than one typed array) can be produced without being held at once.
 *
 * ```ts
 * const w = await NpyRowWriter.create("f.npy", "float32", 2048, nItems);
 * for (...) await w.write(chunk); // chunk.length is a multiple of 2048
 * await w.close();                // throws unless exactly nItems rows were written
 * ```
 */
export class NpyRowWriter {
  /** Path being written. */
  readonly path: string;
  /** Element type of every chunk. */
  readonly dtype: NpyDtype;
  /** Elements per row. */
  readonly cols: number;
  /** Rows the file will hold. */
  readonly rows: number;
  #file: Deno.FsFile | null;
  #written = 0;

  private constructor(
    spec: { path: string; dtype: NpyDtype; cols: number; rows: number },
    file: Deno.FsFile,
  ) {
    this.path = spec.path;
    this.dtype = spec.dtype;
    this.cols = spec.cols;
    this.rows = spec.rows;
    this.#file = file;
  }

  /** Creates (truncates) `path` and writes the header for shape `[rows, cols]`. */
  static async create(
    path: string,
    dtype: NpyDtype,
    cols: number,
    rows: number,
  ): Promise<NpyRowWriter> {
    assertLittleEndianHost();
    const header = encodeNpyHeader(dtype, [rows, cols]);
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    try {
      await writeAll(file, header);
    } catch (e) {
      file.close();
      throw e;
    }
    return new NpyRowWriter({ path, dtype, cols, rows }, file);
  }

  /** Rows written so far. */
  get rowsWritten(): number {
    return this.#written;
  }

  /** Appends whole rows; `chunk.length` must be a multiple of `cols`. */
  async write(chunk: NpyData): Promise<void> {
    if (!this.#file) throw new Error(`${this.path}: NpyRowWriter is closed`);
    if (dtypeOf(chunk) !== this.dtype) {
      throw new TypeError(`${this.path}: expected ${this.dtype} rows, got ${dtypeOf(chunk)}`);
    }
    if (this.cols === 0 ? chunk.length !== 0 : chunk.length % this.cols !== 0) {
      throw new RangeError(
        `${this.path}: chunk of ${chunk.length} elements is not a multiple of ${this.cols} columns`,
      );
    }
    const n = this.cols === 0 ? 0 : chunk.length / this.cols;
    if (this.#written + n > this.rows) {
      throw new RangeError(
        `${this.path}: writing ${n} rows would exceed the declared ${this.rows} rows`,
      );
    }
    await writeAll(this.#file, bytesOf(chunk));
    this.#written += n;
  }

  /** Adds `n` zero rows without materialising them beyond one chunk. */
  async writeZeros(n: number): Promise<void> {
    const step = Math.max(1, Math.floor((1 << 22) / Math.max(1, this.cols)));
    for (let done = 0; done < n; done += step) {
      await this.write(allocNpyData(this.dtype, Math.min(step, n - done) * this.cols));
    }
  }

  /** Closes the file; rejects if fewer rows than declared were written. */
  close(): Promise<void> {
    const file = this.#file;
    if (!file) return Promise.resolve();
    this.#file = null;
    file.close();
    if (this.#written !== this.rows) {
      return Promise.reject(
        new Error(`${this.path}: closed after ${this.#written} rows, header declares ${this.rows}`),
      );
    }
    return Promise.resolve();
  }

  /** Closes without checking the row count (use on error paths). */
  abort(): void {
    this.#file?.close();
    this.#file = null;
  }
}

/** Random access to row ranges of a 1-D or 2-D `.npy` file. */
export interface NpyRowReader {
  /** Path being read. */
  readonly path: string;
  /** Element type in memory (after conversion). */
  readonly dtype: NpyDtype;
  /** Full shape from the header. */
  readonly shape: number[];
  /** Number of rows (`shape[0]`). */
  readonly rows: number;
  /** Elements per row (product of the remaining dimensions; 1 for a 1-D file). */
  readonly cols: number;
  /** Reads rows `[start, end)` into a new typed array of `(end - start) * cols` elements. */
  read(start: number, end: number): Promise<NpyData>;
  /** Closes the file. */
  close(): void;
}

/**
 * Opens a `.npy` file for reading row ranges by file offset (the file is never read whole).
 * `expect` is checked against the header as in `readNpy`; truncated files fail at open.
 */
export async function openNpyRows(path: string, expect?: NpyExpect): Promise<NpyRowReader> {
  assertLittleEndianHost();
  const file = await Deno.open(path, { read: true });
  try {
    const header = await readHeaderFrom(file, path);
    checkExpect(path, header, expect);
    if (header.shape.length === 0) {
      throw new Error(`${path}: expected an array with rows, found a scalar`);
    }
    const rows = header.shape[0];
    const cols = product(header.shape.slice(1));
    const size = (await file.stat()).size;
    const dataBytes = rows * cols * header.itemBytes;
    if (size - header.headerBytes < dataBytes) {
      throw new Error(
        `${path}: truncated .npy data (shape ${
          formatShape(header.shape)
        } needs ${dataBytes} bytes, file has ${size - header.headerBytes})`,
      );
    }
    let open = true;
    return {
      path,
      dtype: header.dtype,
      shape: header.shape,
      rows,
      cols,
      async read(start: number, end: number): Promise<NpyData> {
        if (!open) throw new Error(`${path}: row reader is closed`);
        if (
          !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > rows ||
          start > end
        ) {
          throw new RangeError(`${path}: bad row range [${start}, ${end}) for ${rows} rows`);
        }
        const count = (end - start) * cols;
        await file.seek(header.headerBytes + start * cols * header.itemBytes, Deno.SeekMode.Start);
        if (header.itemBytes === BYTES[header.dtype]) {
          const data = allocNpyData(header.dtype, count);
          await readExactly(file, bytesOf(data), path, "data");
          return data;
        }
        const raw = new Uint8Array(count * header.itemBytes);
        await readExactly(file, raw, path, "data");
        return convert(raw, header, { count, path, elementOffset: start * cols });
      },
      close(): void {
        if (open) file.close();
        open = false;
      },
    };
  } catch (e) {
    file.close();
    throw e;
  }
}
