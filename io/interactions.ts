/**
 * Readers and writers for the arrays the data stages exchange:
 *
 * - raw interactions (`interactions.csv`/`.tsv`: `user,item`, header optional; user ids are
 *   any text, item ids are feature row numbers),
 * - pair arrays (`*.npy`, int32 `[n, 2]` of contiguous user, item ids),
 * - per-user arrays (`*.npy`, int32 `[users]` or `[users, k]`, `-1` meaning none),
 * - id maps (`*_map.csv`: `id,raw`).
 *
 * Validation errors name the file, the line or row, and what was expected.
 */
import { stringify } from "csv-stringify/sync";
import { readNpy, writeNpy } from "./npy.ts";
import { writeAll } from "./write_all.ts";
import { readTextLines, shownLine } from "./line_reader.ts";

/** Raw interactions with interned user ids. */
export interface RawInteractions {
  /** Distinct raw user ids, in order of first appearance. */
  userIds: string[];
  /** Per line: index into `userIds`. */
  users: Int32Array;
  /** Per line: item id (the row of the item in `features.npy`). */
  items: Int32Array;
  /** Per line: 1-based line number in the file (for later messages). */
  lines: Int32Array;
}

/** Options for `readRawInteractions`. */
export interface RawReadOptions {
  /** Item ids must be below this (the number of feature rows). */
  itemLimit?: number;
  /** Longest line in bytes (default: line_reader.ts's `MAX_LINE_BYTES`). */
  maxLineBytes?: number;
}

/**
 * Reads a CSV (comma) or TSV (tab; chosen by a `.tsv` extension or a tab in the first line)
 * file of `user,item` lines. A first line whose item field is not a number is a header.
 */
export async function readRawInteractions(
  path: string,
  options: RawReadOptions = {},
): Promise<RawInteractions> {
  let sep = path.endsWith(".tsv") ? "\t" : ",";
  const userIndex = new Map<string, number>();
  const userIds: string[] = [];
  let cap = 1024;
  let users = new Int32Array(cap);
  let items = new Int32Array(cap);
  let lines = new Int32Array(cap);
  let n = 0;
  const limit = options.itemLimit ?? 2147483647;
  for await (
    const { text: line, line: lineNo } of readTextLines(path, {
      gzip: false,
      ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}),
    })
  ) {
    if (lineNo === 1 && line.includes("\t")) sep = "\t";
    if (line.trim() === "") continue;
    const fields = line.split(sep).map(unquote);
    if (fields.length < 2) {
      throw new Error(
        `${path}:${lineNo}: expected 2 fields 'user${
          sep === "\t" ? "\\t" : ","
        }item', found ${fields.length}: '${shownLine(line)}'`,
      );
    }
    if (fields.length > 2 && fields.slice(2).some((f) => f !== "")) {
      throw new Error(
        `${path}:${lineNo}: expected 2 fields (user, item), found ${fields.length}: ` +
          `'${shownLine(line)}'`,
      );
    }
    const [user, itemText] = fields;
    if (lineNo === 1 && n === 0 && !/^-?\d+$/.test(itemText)) continue; // header
    if (user === "") throw new Error(`${path}:${lineNo}: field 'user' is empty`);
    if (!/^\d+$/.test(itemText)) {
      throw new Error(
        `${path}:${lineNo}: field 'item' must be a non-negative integer (feature row), found '${
          shownLine(itemText)
        }'`,
      );
    }
    const item = Number(itemText);
    if (item >= limit) {
      throw new Error(
        `${path}:${lineNo}: field 'item' is ${item}, expected < ${limit} (rows of features.npy)`,
      );
    }
    let u = userIndex.get(user);
    if (u === undefined) {
      u = userIds.length;
      userIndex.set(user, u);
      userIds.push(user);
    }
    if (n === cap) {
      cap *= 2;
      users = grow(users, cap);
      items = grow(items, cap);
      lines = grow(lines, cap);
    }
    users[n] = u;
    items[n] = item;
    lines[n] = lineNo;
    n++;
  }
  return { userIds, users: users.slice(0, n), items: items.slice(0, n), lines: lines.slice(0, n) };
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function grow(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

/** Writes raw interactions as CSV with header `user,item`, in chunks (no big string joins). */
export async function writeRawInteractions(
  path: string,
  userIds: readonly string[],
  users: Int32Array,
  items: Int32Array,
): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  try {
    let buf = "user,item\n";
    for (let k = 0; k < users.length; k++) {
      buf += `${userIds[users[k]]},${items[k]}\n`;
      if (buf.length > 1 << 20) {
        await writeAll(file, enc.encode(buf));
        buf = "";
      }
    }
    await writeAll(file, enc.encode(buf));
  } finally {
    file.close();
  }
}

/** Pairs of contiguous ids: `users[k]`, `items[k]` for k < n. */
export interface Pairs {
  /** User id per pair. */
  users: Int32Array;
  /** Item id per pair. */
  items: Int32Array;
}

/** Bounds `readPairs` checks (ids must be in `[0, bound)`). */
export interface PairBounds {
  /** Number of users. */
  users?: number;
  /** Number of items. */
  items?: number;
}

/** Reads an int32 `[n, 2]` pair array; ids are checked against `bounds` (errors name file and row). */
export async function readPairs(path: string, bounds: PairBounds = {}): Promise<Pairs> {
  const arr = await readNpy(path, { dtype: "int32", shape: [null, 2] });
  const flat = arr.data as Int32Array;
  const n = arr.shape[0];
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const nu = bounds.users ?? 2147483647;
  const ni = bounds.items ?? 2147483647;
  for (let k = 0; k < n; k++) {
    const u = flat[2 * k];
    const i = flat[2 * k + 1];
    if (u < 0 || u >= nu) {
      throw new Error(`${path}: row ${k}: user ${u} out of range, expected 0 <= user < ${nu}`);
    }
    if (i < 0 || i >= ni) {
      throw new Error(`${path}: row ${k}: item ${i} out of range, expected 0 <= item < ${ni}`);
    }
    users[k] = u;
    items[k] = i;
  }
  return { users, items };
}

/** Writes pairs as an int32 `[n, 2]` `.npy` array. */
export async function writePairs(path: string, pairs: Pairs): Promise<void> {
  const n = pairs.users.length;
  const flat = new Int32Array(2 * n);
  for (let k = 0; k < n; k++) {
    flat[2 * k] = pairs.users[k];
    flat[2 * k + 1] = pairs.items[k];
  }
  await writeNpy(path, { dtype: "int32", shape: [n, 2], data: flat });
}

/** Reads a per-user int32 array of shape `[users]` (or `[users, cols]`); `-1` means none. */
export async function readPerUser(
  path: string,
  expect: { users?: number; cols?: number; items?: number } = {},
): Promise<{ data: Int32Array; users: number; cols: number }> {
  const shape = expect.cols === undefined
    ? [expect.users ?? null]
    : [expect.users ?? null, expect.cols];
  let arr;
  try {
    arr = await readNpy(path, { dtype: "int32", shape });
  } catch (e) {
    if (expect.cols !== undefined) throw e;
    arr = await readNpy(path, { dtype: "int32", shape: [expect.users ?? null, null] });
  }
  const data = arr.data as Int32Array;
  const cols = arr.shape.length === 2 ? arr.shape[1] : 1;
  const ni = expect.items ?? 2147483647;
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (v < -1 || v >= ni) {
      const row = Math.floor(k / cols);
      throw new Error(
        `${path}: row ${row}: item ${v} out of range, expected -1 or 0 <= item < ${ni}`,
      );
    }
  }
  return { data, users: arr.shape[0], cols };
}

/** Writes an id map CSV `id,raw` (row k maps new id k to its raw id). */
export async function writeIdMap(path: string, raw: readonly (string | number)[]): Promise<void> {
  const rows: (string | number)[][] = [["id", "raw"]];
  for (let k = 0; k < raw.length; k++) rows.push([k, raw[k]]);
  await Deno.writeTextFile(path, stringify(rows));
}

/** Reads an id map CSV written by `writeIdMap`; checks that ids run 0, 1, 2, ... */
export async function readIdMap(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  const lines = text.split("\n");
  if (lines[0].trim() !== "id,raw") {
    throw new Error(`${path}:1: expected header 'id,raw', found '${lines[0]}'`);
  }
  const out: string[] = [];
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k].replace(/\r$/, "");
    if (line === "") continue;
    const comma = line.indexOf(",");
    const id = comma < 0 ? NaN : Number(line.slice(0, comma));
    if (id !== out.length) {
      throw new Error(
        `${path}:${k + 1}: expected id ${out.length}, found '${line.slice(0, Math.max(comma, 0))}'`,
      );
    }
    let raw = line.slice(comma + 1);
    if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
      raw = raw.slice(1, -1).replace(/""/g, '"');
    }
    out.push(raw);
  }
  return out;
}

/** Compressed rows: the items of user u are `items[start[u] .. start[u + 1])`. */
export interface UserRows {
  /** Row starts, length users + 1. */
  start: Int32Array;
  /** Items grouped by user (within a user in input order). */
  items: Int32Array;
}

/** Groups pairs by user (counting sort, stable). */
export function groupByUser(pairs: Pairs, users: number): UserRows {
  const start = new Int32Array(users + 1);
  for (let k = 0; k < pairs.users.length; k++) start[pairs.users[k] + 1]++;
  for (let u = 0; u < users; u++) start[u + 1] += start[u];
  const fill = start.slice(0, users);
  const items = new Int32Array(pairs.users.length);
  for (let k = 0; k < pairs.users.length; k++) items[fill[pairs.users[k]]++] = pairs.items[k];
  return { start, items };
}

/** Largest id + 1 of a non-negative id array (0 for an empty array). */
export function countIds(ids: Int32Array): number {
  let max = -1;
  for (let k = 0; k < ids.length; k++) if (ids[k] > max) max = ids[k];
  return max + 1;
}
