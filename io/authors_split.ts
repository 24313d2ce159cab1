/**
 * The authors' Pinterest leave-one-out split (github.com/duxy-me/AMR, `data/pinterest`):
 *
 * - `pos.txt`: training pairs `user item`, one per line, 0-based ids separated by whitespace.
 *   The public file has 6,618 lines: 84 distinct pairs occur more than once (one of them five
 *   times), so 87 lines repeat an earlier line and 6,531 pairs remain. Repeats are dropped and
 *   reported.
 * - `neg.txt`: row `u` (0-based line index) is user `u`'s test item followed by 999 sampled
 *   negative items, whitespace-separated.
 *
 * Every error names the file, the 1-based line and what was expected.
 */
import { readTextLines } from "./line_reader.ts";

/** A line of `pos.txt` that repeats an earlier line (it is dropped). */
export interface DuplicateLine {
  /** 1-based line number of the repeat. */
  line: number;
  /** 1-based line number of the first occurrence. */
  firstLine: number;
  /** User id on the line. */
  user: number;
  /** Item id on the line. */
  item: number;
}

/** Training pairs from `pos.txt`, duplicates removed, in file order. */
export interface AuthorsPos {
  /** User of each kept pair. */
  users: Int32Array;
  /** Item of each kept pair. */
  items: Int32Array;
  /** Non-blank lines read (kept pairs plus duplicates). */
  lines: number;
  /** Dropped repeats (lines), in file order. */
  duplicates: DuplicateLine[];
  /** Distinct pairs that occur more than once (84 in the authors' file; 87 lines repeat). */
  duplicatedPairs: number;
  /** Largest user id + 1 (0 for an empty file). */
  maxUser: number;
  /** Largest item id + 1 (0 for an empty file). */
  maxItem: number;
}

/** Optional range checks for `readAuthorsPos` (ids must be below these). */
export interface AuthorsPosOptions {
  /** Number of users: every user id must be in `[0, numUsers)`. */
  numUsers?: number;
  /** Number of items: every item id must be in `[0, numItems)`. */
  numItems?: number;
}

/** Test rows from `neg.txt`: one row per user, the row index is the user id. */
export interface AuthorsNeg {
  /** Test (held-out positive) item of each user; length `numUsers`. */
  testItems: Int32Array;
  /** Negatives, row-major `numUsers x negativesPerUser`. */
  negatives: Int32Array;
  /** Rows read. */
  numUsers: number;
  /** Negatives per row (999 for the authors' file). */
  negativesPerUser: number;
}

/** Options for `readAuthorsNeg`. */
export interface AuthorsNegOptions {
  /** Number of items: every id must be in `[0, numItems)` (Pinterest: 4,998). */
  numItems: number;
  /** Negatives per row (the dataset config's `negatives`; the authors' file has 999). */
  negativesPerUser: number;
  /** If given, the file must have exactly this many rows. */
  numUsers?: number;
}

const INT = /^[0-9]+$/;

/** Parses a whitespace-separated line of non-negative integer ids; errors name file and line. */
function parseIds(text: string, path: string, line: number): number[] {
  const tokens = text.trim().split(/\s+/);
  if (tokens.length === 1 && tokens[0] === "") return [];
  const ids = new Array<number>(tokens.length);
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (!INT.test(t)) {
      throw new Error(
        `${path}:${line}: expected non-negative integer ids, found '${t}' (field ${k + 1})`,
      );
    }
    ids[k] = Number(t);
  }
  return ids;
}

/** Throws unless id `value` is below `limit` (and 2^31); `at` places it for the message. */
function checkRange(
  value: number,
  id: { what: string; limit: number | undefined },
  at: { path: string; line: number },
): void {
  const { what, limit } = id;
  const { path, line } = at;
  if (value > 0x7fffffff || (limit !== undefined && value >= limit)) {
    const range = limit !== undefined ? `[0, ${limit})` : "[0, 2^31)";
    throw new Error(`${path}:${line}: ${what} id ${value} out of range ${range}`);
  }
}

/**
 * Reads `pos.txt`: one `user item` pair per line (blank lines ignored). Lines repeating an
 * earlier pair are dropped and listed in `duplicates`.
 */
export async function readAuthorsPos(
  path: string,
  options: AuthorsPosOptions = {},
): Promise<AuthorsPos> {
  const users: number[] = [];
  const items: number[] = [];
  const seen = new Map<string, number>();
  const duplicates: DuplicateLine[] = [];
  let lines = 0;
  let maxUser = 0;
  let maxItem = 0;
  const userId = { what: "user", limit: options.numUsers };
  const itemId = { what: "item", limit: options.numItems };
  for await (const { text, line } of readTextLines(path)) {
    const ids = parseIds(text, path, line);
    if (ids.length === 0) continue;
    if (ids.length !== 2) {
      throw new Error(`${path}:${line}: expected 2 ids (user item), found ${ids.length}`);
    }
    const [u, i] = ids;
    checkRange(u, userId, { path, line });
    checkRange(i, itemId, { path, line });
    lines++;
    const key = `${u} ${i}`;
    const first = seen.get(key);
    if (first !== undefined) {
      duplicates.push({ line, firstLine: first, user: u, item: i });
      continue;
    }
    seen.set(key, line);
    users.push(u);
    items.push(i);
    if (u + 1 > maxUser) maxUser = u + 1;
    if (i + 1 > maxItem) maxItem = i + 1;
  }
  const duplicatedPairs = new Set(duplicates.map((d) => d.firstLine)).size;
  return {
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    lines,
    duplicates,
    duplicatedPairs,
    maxUser,
    maxItem,
  };
}

/**
 * Reads `neg.txt`: row `u` holds user `u`'s test item then exactly `negativesPerUser` negatives.
 * Trailing blank lines are ignored; a blank line between rows is an error (it would shift users).
 */
export async function readAuthorsNeg(
  path: string,
  options: AuthorsNegOptions,
): Promise<AuthorsNeg> {
  const perUser = options.negativesPerUser;
  const width = 1 + perUser;
  const { numItems } = options;
  if (!Number.isSafeInteger(numItems) || numItems <= 0) {
    throw new RangeError(`readAuthorsNeg: numItems must be a positive integer, got ${numItems}`);
  }
  const rows: Int32Array[] = [];
  let blankLine = 0;
  for await (const { text, line } of readTextLines(path)) {
    const ids = parseIds(text, path, line);
    if (ids.length === 0) {
      if (blankLine === 0) blankLine = line;
      continue;
    }
    if (blankLine !== 0) {
      throw new Error(
        `${path}:${blankLine}: blank line before row at line ${line} (expected one row per user)`,
      );
    }
    if (ids.length !== width) {
      throw new Error(
        `${path}:${line}: expected ${width} ids (1 test item + ${perUser} negatives), found ${ids.length}`,
      );
    }
    const row = new Int32Array(width);
    for (let k = 0; k < width; k++) {
      const v = ids[k];
      if (v >= numItems) {
        throw new Error(
          `${path}:${line}: item id ${v} (field ${k + 1}) out of range [0, ${numItems})`,
        );
      }
      row[k] = v;
    }
    rows.push(row);
  }
  if (options.numUsers !== undefined && rows.length !== options.numUsers) {
    throw new Error(
      `${path}: expected ${options.numUsers} rows (one per user), found ${rows.length}`,
    );
  }
  const testItems = new Int32Array(rows.length);
  const negatives = new Int32Array(rows.length * perUser);
  for (let u = 0; u < rows.length; u++) {
    testItems[u] = rows[u][0];
    negatives.set(rows[u].subarray(1), u * perUser);
  }
  return { testItems, negatives, numUsers: rows.length, negativesPerUser: perUser };
}
