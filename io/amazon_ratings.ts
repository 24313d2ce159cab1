/**
 * Amazon interactions keyed by ASIN, streamed line by line (McAuley's files, optionally `.gz`):
 *
 * - ratings CSV: `user,item,rating,timestamp` per line, no header (`ratings_<Category>.csv`);
 * - reviews JSON lines: one JSON object per line with `reviewerID` and `asin` (plus optional
 *   `overall` and `unixReviewTime`) (`reviews_<Category>.json`).
 *
 * Every error names the file and the 1-based line.
 */
import { readTextLines } from "./line_reader.ts";

/** One interaction as read from a file. */
export interface RawInteraction {
  /** User id (reviewer id) as in the file. */
  user: string;
  /** Item id (ASIN). */
  item: string;
  /** Rating, or null when the file has none. */
  rating: number | null;
  /** Unix time in seconds, or null when the file has none. */
  timestamp: number | null;
  /** 1-based line number. */
  line: number;
}

/** File layout: ratings CSV or reviews JSON lines. */
export type InteractionFormat = "csv" | "jsonl";

/** Options for `readAmazonInteractions` and `loadAmazonInteractions`. */
export interface AmazonInteractionOptions {
  /** Layout; `auto` (default) looks at the first non-blank line (`{` means JSON lines). */
  format?: InteractionFormat | "auto";
  /** Keep only interactions with these items (default: all). */
  keepItems?: ReadonlySet<string>;
}

/** Interactions with users and items mapped to dense ids in order of first appearance. */
export interface InteractionTable {
  /** Original user id of each dense user id. */
  users: string[];
  /** Original ASIN of each dense item id. */
  items: string[];
  /** Dense user id of each interaction. */
  userIndex: Int32Array;
  /** Dense item id of each interaction. */
  itemIndex: Int32Array;
  /** Rating of each interaction (NaN when absent). */
  ratings: Float32Array;
  /** Unix time of each interaction (NaN when absent). */
  timestamps: Float64Array;
  /** Non-blank lines read (kept or not). */
  lines: number;
}

function parseCsvLine(text: string, path: string, line: number): RawInteraction {
  const f = text.split(",");
  if (f.length !== 4) {
    throw new Error(
      `${path}:${line}: expected 4 comma-separated fields (user,item,rating,timestamp), found ${f.length}`,
    );
  }
  const [user, item, ratingText, timeText] = f.map((s) => s.trim());
  if (user === "" || item === "") throw new Error(`${path}:${line}: empty user or item field`);
  const rating = Number(ratingText);
  if (ratingText === "" || !Number.isFinite(rating)) {
    throw new Error(`${path}:${line}: expected a numeric rating in field 3, found '${ratingText}'`);
  }
  const timestamp = Number(timeText);
  if (timeText === "" || !Number.isInteger(timestamp)) {
    throw new Error(
      `${path}:${line}: expected an integer timestamp in field 4, found '${timeText}'`,
    );
  }
  return { user, item, rating, timestamp, line };
}

function parseJsonLine(text: string, path: string, line: number): RawInteraction {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    const hint = text.trimStart().startsWith("{'")
      ? " (Python-literal 'loose JSON' is not supported; convert it to strict JSON first)"
      : "";
    throw new Error(`${path}:${line}: invalid JSON: ${(e as Error).message}${hint}`);
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new Error(`${path}:${line}: expected a JSON object per line`);
  }
  const o = obj as Record<string, unknown>;
  if (typeof o.reviewerID !== "string" || o.reviewerID === "") {
    throw new Error(`${path}:${line}: expected a string 'reviewerID'`);
  }
  if (typeof o.asin !== "string" || o.asin === "") {
    throw new Error(`${path}:${line}: expected a string 'asin'`);
  }
  const rating = typeof o.overall === "number" ? o.overall : null;
  const timestamp = typeof o.unixReviewTime === "number" ? o.unixReviewTime : null;
  return { user: o.reviewerID, item: o.asin, rating, timestamp, line };
}

/** Streams the interactions of a ratings CSV or reviews JSON-lines file (blank lines skipped). */
export async function* readAmazonInteractions(
  path: string,
  options: AmazonInteractionOptions = {},
): AsyncGenerator<RawInteraction> {
  let format = options.format ?? "auto";
  const keep = options.keepItems;
  for await (const { text, line } of readTextLines(path)) {
    if (text.trim() === "") continue;
    if (format === "auto") format = text.trimStart().startsWith("{") ? "jsonl" : "csv";
    const r = format === "csv" ? parseCsvLine(text, path, line) : parseJsonLine(text, path, line);
    if (keep && !keep.has(r.item)) continue;
    yield r;
  }
}

/** Reads a whole interactions file into dense ids (first-appearance order). */
export async function loadAmazonInteractions(
  path: string,
  options: AmazonInteractionOptions = {},
): Promise<InteractionTable> {
  const userIds = new Map<string, number>();
  const itemIds = new Map<string, number>();
  const u: number[] = [];
  const i: number[] = [];
  const r: number[] = [];
  const t: number[] = [];
  let lines = 0;
  const counted: AmazonInteractionOptions = { format: options.format };
  for await (const x of readAmazonInteractions(path, counted)) {
    lines++;
    if (options.keepItems && !options.keepItems.has(x.item)) continue;
    let uid = userIds.get(x.user);
    if (uid === undefined) userIds.set(x.user, uid = userIds.size);
    let iid = itemIds.get(x.item);
    if (iid === undefined) itemIds.set(x.item, iid = itemIds.size);
    u.push(uid);
    i.push(iid);
    r.push(x.rating ?? NaN);
    t.push(x.timestamp ?? NaN);
  }
  return {
    users: [...userIds.keys()],
    items: [...itemIds.keys()],
    userIndex: Int32Array.from(u),
    itemIndex: Int32Array.from(i),
    ratings: Float32Array.from(r),
    timestamps: Float64Array.from(t),
    lines,
  };
}
