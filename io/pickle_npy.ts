/**
 * Reads the authors' `weights/best-vbpr.npy` without Python: a `.npy` file whose dtype is `|O`
 * (object), so its body is a pickle (protocol 2, written by Python 2) of an object array holding
 * `[P, Q, E^T]`, three float32 matrices.
 *
 * The pickle is run by a small, strict virtual machine that knows only the opcodes and globals
 * NumPy emits for an object array of numeric arrays (`ndarray.__reduce__` with
 * `numpy.core.multiarray._reconstruct`, `numpy.dtype`, and `_codecs.encode` for the raw bytes
 * when Python 3 writes protocol 2). Anything else fails with
 * `unsupported pickle opcode 0x.. at byte N` (N counts from the start of the file), so nothing in
 * the file can make this code do more than build arrays.
 */
import type { NpyArray } from "./npy.ts";

/** A Python tuple. */
export interface PyTuple {
  /** Discriminator. */
  kind: "tuple";
  /** Elements. */
  items: PickleValue[];
}

/** A Python list. */
export interface PyList {
  /** Discriminator. */
  kind: "list";
  /** Elements. */
  items: PickleValue[];
}

/** A Python 2 `str` (bytes; text when it names a dtype, raw data when it holds array bytes). */
export interface PyStr8 {
  /** Discriminator. */
  kind: "str8";
  /** The raw bytes. */
  bytes: Uint8Array;
}

/** One of the allowed globals (a callable), e.g. `numpy.dtype`. */
export interface PyGlobal {
  /** Discriminator. */
  kind: "global";
  /** `module.name`. */
  name: string;
}

/** A `numpy.dtype` built from the pickle: a type code such as `f4` plus its byte order. */
export interface PyDtype {
  /** Discriminator. */
  kind: "dtype";
  /** Type code as NumPy pickles it: `f4`, `f8`, `i4`, `i8`, `u1`, `O8`, ... */
  code: string;
  /** `<`, `>`, `|` or `=` (set by BUILD; `|` until then). */
  byteorder: string;
}

/** A NumPy array: numeric data as a typed array, object arrays as a list of values. */
export interface PickledArray {
  /** Discriminator. */
  kind: "ndarray";
  /** Type code (`f4`, `O8`, ...), `""` until BUILD. */
  code: string;
  /** Dimensions, outermost first. */
  shape: number[];
  /** Elements in C order (Fortran-ordered pickles are reordered). */
  data: Float32Array | Float64Array | Int32Array | Uint8Array | PickleValue[];
}

/** Every value the VM can hold. */
export type PickleValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | PyStr8
  | PyTuple
  | PyList
  | PyGlobal
  | PyDtype
  | PickledArray;

/** The three matrices of `best-vbpr.npy`. */
export interface PickledWeights {
  /** User factors, `[numUsers, K]`. */
  P: NpyArray;
  /** Item factors, `[numItems, K]`. */
  Q: NpyArray;
  /** Transposed visual projection E^T, `[D, K]` (E is `K x D`). */
  ET: NpyArray;
}

/** Options for `unpickle`. */
export interface UnpickleOptions {
  /** Added to positions in error messages (the pickle's offset in its file). */
  baseOffset?: number;
  /** File name for error messages. */
  source?: string;
}

const GLOBALS = new Set([
  "numpy.core.multiarray._reconstruct",
  "numpy._core.multiarray._reconstruct",
  "numpy.ndarray",
  "numpy.dtype",
  "_codecs.encode",
  "__builtin__.bytes",
  "builtins.bytes",
]);

const OPCODE_NAMES: Record<number, string> = {
  0x80: "PROTO",
  0x63: "GLOBAL",
  0x71: "BINPUT",
  0x72: "LONG_BINPUT",
  0x68: "BINGET",
  0x6a: "LONG_BINGET",
  0x28: "MARK",
  0x74: "TUPLE",
  0x29: "EMPTY_TUPLE",
  0x85: "TUPLE1",
  0x86: "TUPLE2",
  0x87: "TUPLE3",
  0x5d: "EMPTY_LIST",
  0x61: "APPEND",
  0x65: "APPENDS",
  0x4a: "BININT",
  0x4b: "BININT1",
  0x4d: "BININT2",
  0x55: "SHORT_BINSTRING",
  0x54: "BINSTRING",
  0x58: "BINUNICODE",
  0x43: "SHORT_BINBYTES",
  0x42: "BINBYTES",
  0x52: "REDUCE",
  0x62: "BUILD",
  0x88: "NEWTRUE",
  0x89: "NEWFALSE",
  0x4e: "NONE",
  0x2e: "STOP",
};

function hex(op: number): string {
  return `0x${op.toString(16).padStart(2, "0")}`;
}

function isTuple(v: PickleValue): v is PyTuple {
  return typeof v === "object" && v !== null && !(v instanceof Uint8Array) && v.kind === "tuple";
}

function describe(v: PickleValue): string {
  if (v === null) return "None";
  if (v instanceof Uint8Array) return `bytes[${v.length}]`;
  if (typeof v === "object") return v.kind === "global" ? `global ${v.name}` : v.kind;
  return typeof v;
}

/** A Python text value: `str` (BINUNICODE) or a Python 2 `str` read as latin1. */
function asText(v: PickleValue): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "object" && v !== null && !(v instanceof Uint8Array) && v.kind === "str8") {
    let s = "";
    for (const b of v.bytes) s += String.fromCharCode(b);
    return s;
  }
  return null;
}

/** Raw bytes: `bytes`, or a Python 2 `str`. */
function asBytes(v: PickleValue): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "object" && v !== null && v.kind === "str8") return v.bytes;
  return null;
}

function asInt(v: PickleValue): number | null {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return null;
}

/**
 * Runs a pickle made of the opcodes NumPy uses for object arrays of numeric arrays and returns
 * the value left by STOP. Any other opcode or global is an error naming its byte offset.
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): PickleValue {
  const base = options.baseOffset ?? 0;
  const where = options.source ? `${options.source}: ` : "";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;
  let opPos = 0;
  let op = 0;

  function fail(msg: string): never {
    const name = OPCODE_NAMES[op] ?? "?";
    throw new Error(`${where}pickle ${name} at byte ${base + opPos}: ${msg}`);
  }
  function need(n: number): void {
    if (pos + n > bytes.length) {
      fail(`truncated (needs ${n} more bytes, ${bytes.length - pos} left)`);
    }
  }
  function u8(): number {
    need(1);
    return bytes[pos++];
  }
  function u16(): number {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  }
  function i32(): number {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  }
  function u32(): number {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  }
  function take(n: number): Uint8Array {
    if (n < 0) fail(`negative length ${n}`);
    need(n);
    const out = bytes.slice(pos, pos + n);
    pos += n;
    return out;
  }
  function line(): string {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) fail("unterminated line");
    let s = "";
    for (let k = pos; k < nl; k++) s += String.fromCharCode(bytes[k]);
    pos = nl + 1;
    return s;
  }
  function pop(): PickleValue {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) {
      fail("stack underflow");
    }
    return stack.pop()!;
  }
  function popMark(): PickleValue[] {
    const m = marks.pop();
    if (m === undefined) fail("no MARK on the stack");
    return stack.splice(m);
  }
  function top(): PickleValue {
    if (stack.length === 0) fail("stack underflow");
    return stack[stack.length - 1];
  }

  while (true) {
    if (pos >= bytes.length) {
      opPos = pos;
      throw new Error(`${where}pickle truncated at byte ${base + pos}: no STOP opcode`);
    }
    opPos = pos;
    op = bytes[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v !== 2 && v !== 3) fail(`unsupported pickle protocol ${v} (expected 2 or 3)`);
        break;
      }
      case 0x63: { // GLOBAL
        const name = `${line()}.${line()}`;
        if (!GLOBALS.has(name)) fail(`unsupported pickle global '${name}'`);
        stack.push({ kind: "global", name });
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`memo key ${k} was never stored`);
        stack.push(memo.get(k)!);
        break;
      }
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x74: // TUPLE
        stack.push({ kind: "tuple", items: popMark() });
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push({ kind: "tuple", items: [] });
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: { // TUPLE3
        const n = op - 0x84;
        const items: PickleValue[] = [];
        for (let k = 0; k < n; k++) items.unshift(pop());
        stack.push({ kind: "tuple", items });
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push({ kind: "list", items: [] });
        break;
      case 0x61: { // APPEND
        const v = pop();
        const list = top();
        if (
          typeof list !== "object" || list === null || !("kind" in list) || list.kind !== "list"
        ) {
          fail(`APPEND to a ${describe(list)}, expected a list`);
        }
        list.items.push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const list = top();
        if (
          typeof list !== "object" || list === null || !("kind" in list) || list.kind !== "list"
        ) {
          fail(`APPENDS to a ${describe(list)}, expected a list`);
        }
        list.items.push(...items);
        break;
      }
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push({ kind: "str8", bytes: take(u8()) });
        break;
      case 0x54: // BINSTRING
        stack.push({ kind: "str8", bytes: take(i32()) });
        break;
      case 0x58: { // BINUNICODE
        const raw = take(u32());
        try {
          stack.push(new TextDecoder("utf-8", { fatal: true }).decode(raw));
        } catch (e) {
          // A fatal decoder throws TypeError on bad bytes; say which opcode held them.
          if (!(e instanceof TypeError)) throw e;
          fail("invalid UTF-8 in BINUNICODE");
        }
        break;
      }
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()));
        break;
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(reduce(fn, args, fail));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        build(top(), state, fail);
        break;
      }
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x2e: { // STOP
        if (stack.length !== 1 || marks.length !== 0) {
          fail(
            `stack holds ${stack.length} values and ${marks.length} marks at STOP, expected 1 and 0`,
          );
        }
        if (pos !== bytes.length) {
          fail(`${bytes.length - pos} trailing bytes after STOP`);
        }
        return stack[0];
      }
      default:
        throw new Error(`${where}unsupported pickle opcode ${hex(op)} at byte ${base + opPos}`);
    }
  }
}

/** Calls one of the allowed globals. */
function reduce(fn: PickleValue, args: PickleValue, fail: (msg: string) => never): PickleValue {
  if (typeof fn !== "object" || fn === null || fn instanceof Uint8Array || fn.kind !== "global") {
    fail(`REDUCE on a ${describe(fn)}, expected an allowed global`);
  }
  if (!isTuple(args)) fail(`REDUCE arguments are a ${describe(args)}, expected a tuple`);
  const a = args.items;
  switch (fn.name) {
    case "numpy.core.multiarray._reconstruct":
    case "numpy._core.multiarray._reconstruct": {
      // _reconstruct(numpy.ndarray, (0,), b'b'): an empty array that BUILD fills.
      const cls = a[0];
      if (
        a.length !== 3 || typeof cls !== "object" || cls === null || cls instanceof Uint8Array ||
        cls.kind !== "global" || cls.name !== "numpy.ndarray" || asBytes(a[2]) === null
      ) {
        fail("_reconstruct expects (numpy.ndarray, shape, b'b')");
      }
      return { kind: "ndarray", code: "", shape: [], data: [] };
    }
    case "numpy.dtype": {
      const code = asText(a[0]);
      if (a.length !== 3 || code === null) fail("numpy.dtype expects (typecode, align, copy)");
      return { kind: "dtype", code, byteorder: "|" };
    }
    case "_codecs.encode": {
      // Python 3 writes bytes under protocol 2 as _codecs.encode(latin1_text, 'latin1').
      const text = a[0];
      const enc = asText(a[1]);
      if (a.length !== 2 || typeof text !== "string" || (enc !== "latin1" && enc !== "latin-1")) {
        fail("_codecs.encode expects (str, 'latin1')");
      }
      const out = new Uint8Array(text.length);
      for (let k = 0; k < text.length; k++) {
        const c = text.charCodeAt(k);
        if (c > 0xff) fail(`character U+${c.toString(16)} is not latin1`);
        out[k] = c;
      }
      return out;
    }
    case "__builtin__.bytes":
    case "builtins.bytes":
      if (a.length !== 0) fail("bytes() with arguments is not supported");
      return new Uint8Array(0);
  }
  fail(`REDUCE on unsupported global '${fn.name}'`);
}

/** Applies `__setstate__` of a dtype or an ndarray. */
function build(obj: PickleValue, state: PickleValue, fail: (msg: string) => never): void {
  if (typeof obj !== "object" || obj === null || obj instanceof Uint8Array) {
    fail(`BUILD on a ${describe(obj)}`);
  }
  if (!isTuple(state)) fail(`BUILD state is a ${describe(state)}, expected a tuple`);
  const s = state.items;
  if (obj.kind === "dtype") {
    // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
    const order = asText(s[1]);
    if ((s.length !== 8 && s.length !== 9) || order === null) {
      fail(
        "dtype state must be (version, byteorder, subarray, names, fields, elsize, align, flags)",
      );
    }
    if (s[2] !== null || s[3] !== null || s[4] !== null) {
      fail(`structured or sub-array dtypes are not supported (dtype '${obj.code}')`);
    }
    if (!["<", ">", "|", "="].includes(order)) fail(`bad byte order '${order}'`);
    obj.byteorder = order;
    return;
  }
  if (obj.kind !== "ndarray") fail(`BUILD on a ${obj.kind}`);
  // (version, shape, dtype, is_fortran, rawdata); version is absent in very old pickles.
  const t = s.length === 5 ? s.slice(1) : s;
  if (t.length !== 4) fail(`ndarray state has ${s.length} fields, expected 5`);
  const [shapeV, dtypeV, fortranV, rawV] = t;
  if (!isTuple(shapeV)) fail("ndarray shape is not a tuple");
  const shape = shapeV.items.map((d) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) fail(`bad dimension ${d}`);
    return d;
  });
  if (
    typeof dtypeV !== "object" || dtypeV === null || dtypeV instanceof Uint8Array ||
    dtypeV.kind !== "dtype"
  ) {
    fail(`ndarray dtype is a ${describe(dtypeV)}`);
  }
  const fortran = asInt(fortranV);
  if (fortran === null) fail("ndarray is_fortran flag is not a bool");
  const count = shape.reduce((p, d) => p * d, 1);
  obj.shape = shape;
  obj.code = dtypeV.code;
  if (dtypeV.code === "O8" || dtypeV.code === "O4" || dtypeV.code === "O") {
    if (
      typeof rawV !== "object" || rawV === null || rawV instanceof Uint8Array ||
      rawV.kind !== "list"
    ) {
      fail("object array data is not a list");
    }
    if (rawV.items.length !== count) {
      fail(`object array of shape (${shape}) holds ${rawV.items.length} items`);
    }
    obj.data = fortran ? toCOrder(rawV.items, shape) : rawV.items.slice();
    return;
  }
  const raw = asBytes(rawV);
  if (raw === null) fail(`ndarray data is a ${describe(rawV)}, expected bytes`);
  const data = decodeNumeric(raw, dtypeV, count, fail);
  obj.data = fortran ? toCOrder(data, shape) : data;
}

const NUMERIC: Record<string, number> = { f4: 4, f8: 8, i4: 4, u1: 1 };

function decodeNumeric(
  raw: Uint8Array,
  dtype: PyDtype,
  count: number,
  fail: (msg: string) => never,
): Float32Array | Float64Array | Int32Array | Uint8Array {
  const size = NUMERIC[dtype.code];
  if (size === undefined) fail(`unsupported dtype '${dtype.code}' (expected f4, f8, i4 or u1)`);
  if (raw.length !== count * size) {
    fail(
      `array data has ${raw.length} bytes, dtype '${dtype.code}' x ${count} needs ${count * size}`,
    );
  }
  const big = dtype.byteorder === ">";
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype.code) {
    case "f4": {
      const out = new Float32Array(count);
      for (let k = 0; k < count; k++) out[k] = v.getFloat32(k * 4, !big);
      return out;
    }
    case "f8": {
      const out = new Float64Array(count);
      for (let k = 0; k < count; k++) out[k] = v.getFloat64(k * 8, !big);
      return out;
    }
    case "i4": {
      const out = new Int32Array(count);
      for (let k = 0; k < count; k++) out[k] = v.getInt32(k * 4, !big);
      return out;
    }
    default:
      return raw.slice();
  }
}

/** Reorders column-major (Fortran) elements into row-major order. */
function toCOrder<T extends { length: number; [k: number]: unknown }>(src: T, shape: number[]): T {
  if (shape.length < 2) return src;
  const out = (Array.isArray(src) ? new Array(src.length) : new (src.constructor as new (
    n: number,
  ) => T)(src.length)) as T;
  const n = shape.length;
  const idx = new Array<number>(n).fill(0);
  const fStride = new Array<number>(n);
  fStride[0] = 1;
  for (let d = 1; d < n; d++) fStride[d] = fStride[d - 1] * shape[d - 1];
  for (let c = 0; c < src.length; c++) {
    let f = 0;
    for (let d = 0; d < n; d++) f += idx[d] * fStride[d];
    out[c] = src[f];
    for (let d = n - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Reads a `.npy` file with dtype `|O` (a pickled object array, `numpy.save(..., allow_pickle=True)`)
 * and returns the unpickled array.
 */
export async function readPickledNpy(path: string): Promise<PickledArray> {
  const bytes = await Deno.readFile(path);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, k) => bytes[k] !== b)) {
    throw new Error(`${path}: not a .npy file (expected \\x93NUMPY at the start)`);
  }
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new Error(`${path}: unsupported .npy format version ${major} (expected 1, 2 or 3)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + headerLen;
  if (start > bytes.length) throw new Error(`${path}: truncated .npy header`);
  const header = new TextDecoder("latin1").decode(bytes.subarray(8 + lenBytes, start));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== "|O" || shapeText === undefined) {
    throw new Error(
      `${path}: expected a pickled object array (descr '|O'), found header ${header.trim()}`,
    );
  }
  const shape = shapeText.split(",").map((s) => s.trim().replace(/L$/, "")).filter((s) => s)
    .map(Number);
  const value = unpickle(bytes.subarray(start), { baseOffset: start, source: path });
  if (
    typeof value !== "object" || value === null || value instanceof Uint8Array ||
    value.kind !== "ndarray" || !Array.isArray(value.data)
  ) {
    throw new Error(`${path}: the pickle holds a ${describe(value)}, expected an object array`);
  }
  if (value.shape.join(",") !== shape.join(",")) {
    throw new Error(
      `${path}: header shape (${shape}) differs from the pickled array's shape (${value.shape})`,
    );
  }
  return value;
}

/**
 * Reads `best-vbpr.npy`: an object array `[P, Q, E^T]` of 2-D float32 matrices sharing the
 * column count K. Errors name the file and what was expected.
 */
export async function readPickledWeights(path: string): Promise<PickledWeights> {
  const arr = await readPickledNpy(path);
  const items = arr.data as PickleValue[];
  if (arr.shape.length !== 1 || items.length !== 3) {
    throw new Error(
      `${path}: expected an object array of 3 matrices [P, Q, E^T], found shape (${arr.shape})`,
    );
  }
  const names = ["P", "Q", "E^T"];
  const out = items.map((m, k): NpyArray => {
    if (typeof m !== "object" || m === null || m instanceof Uint8Array || m.kind !== "ndarray") {
      throw new Error(`${path}: element ${k} (${names[k]}) is a ${describe(m)}, expected an array`);
    }
    if (m.code !== "f4" || !(m.data instanceof Float32Array) || m.shape.length !== 2) {
      throw new Error(
        `${path}: element ${k} (${
          names[k]
        }) is '${m.code}' of shape (${m.shape}), expected a 2-D float32 matrix`,
      );
    }
    return { dtype: "float32", shape: m.shape, data: m.data };
  });
  const k = out[0].shape[1];
  if (out[1].shape[1] !== k || out[2].shape[1] !== k) {
    throw new Error(
      `${path}: matrices disagree on K: P (${out[0].shape}), Q (${out[1].shape}), E^T (${
        out[2].shape
      })`,
    );
  }
  return { P: out[0], Q: out[1], ET: out[2] };
}
