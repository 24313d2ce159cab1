/**
 * McAuley's Amazon image features (`image_features_<Category>.b`): repeated records of a 10-byte
 * ASIN followed by 4096 little-endian float32 (16,394 bytes per record), no header, no sentinel.
 *
 * Records are read by length in large chunks through one `Deno.FsFile` (a record may span two
 * chunks); the file is never held in memory. A file whose size is not a whole number of records
 * is an error naming the byte offset of the truncated last record.
 *
 * `extractAmazonFeatures` writes the rows of chosen ASINs, in a given order, to a float32 `.npy`
 * (`[rows, 4096]`) plus a text file of the ASINs (one per line). Because the order of the output
 * rarely matches the order of the `.b` file, rows are written in place at their final offset
 * (the output is pre-sized with the header from `encodeNpyHeader`), so one sequential pass over
 * the `.b` file suffices and memory stays at one chunk plus one write buffer.
 */
import { encodeNpyHeader } from "./npy.ts";
import { writeAll } from "./write_all.ts";

/** Bytes of the ASIN at the start of each record. */
export const ASIN_BYTES = 10;
/** Features per record. */
export const AMAZON_FEATURE_DIM = 4096;
/** Bytes per record: ASIN + 4096 float32. */
export const AMAZON_RECORD_BYTES = ASIN_BYTES + 4 * AMAZON_FEATURE_DIM;

const FEATURE_BYTES = 4 * AMAZON_FEATURE_DIM;
const DEFAULT_CHUNK = 4 << 20; // measured: 4 MiB reads beat 64 MiB ones (cache-friendly)
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Called with bytes read so far and the file size. */
export type ByteProgress = (done: number, total: number) => void;

/** Options for `scanAmazonFeatures`. */
export interface AmazonScanOptions {
  /** Only records whose ASIN is in this set reach the handler (default: all). */
  keep?: ReadonlySet<string>;
  /** Bytes per read (default 4 MiB; any size >= 1 works, records may span reads). */
  chunkBytes?: number;
  /** Progress callback, once per chunk. */
  onProgress?: ByteProgress;
}

/** What a scan saw. */
export interface AmazonScanSummary {
  /** Records in the file. */
  records: number;
  /** Records passed to the handler (or written). */
  kept: number;
  /** File size in bytes. */
  bytes: number;
}

/**
 * Receives one record. `features` is a reused buffer, valid only until the handler returns
 * (copy it to keep it). `offset` is the record's byte offset in the file.
 */
export type AmazonRecordHandler = (
  asin: string,
  features: Float32Array,
  offset: number,
) => void | Promise<void>;

/** Options for `extractAmazonFeatures`. */
export interface AmazonExtractOptions {
  /**
   * Output row order: row r holds `order[r]`'s features. ASINs must be unique. Default: the
   * ASINs of `keep` in the order they appear in the `.b` file.
   */
  order?: readonly string[];
  /** ASINs to keep when `order` is not given (default: every ASIN in the file). */
  keep?: ReadonlySet<string>;
  /** Where to write the ASIN list (default: `outPath` without `.npy`, plus `.asins.txt`). */
  asinsPath?: string;
  /** Leave rows of ASINs absent from the `.b` file as zeros instead of failing (default false). */
  allowMissing?: boolean;
  /** Bytes per read and largest write (default 4 MiB). */
  chunkBytes?: number;
  /** Progress callback, once per chunk. */
  onProgress?: ByteProgress;
}

/** What `extractAmazonFeatures` wrote. */
export interface AmazonExtractResult {
  /** Rows in the `.npy` (equals `asins.length`). */
  rows: number;
  /** ASIN of each row, in row order (also written to `asinsPath`). */
  asins: string[];
  /** ASINs of `order` not found in the `.b` file (their rows are zeros; only with `allowMissing`). */
  missing: string[];
  /** ASINs kept that occur more than once in the `.b` file (the first record wins). */
  duplicates: string[];
  /** Records in the `.b` file. */
  records: number;
  /** Size of the `.b` file in bytes. */
  bytes: number;
  /** Path of the ASIN list. */
  asinsPath: string;
}

function truncatedError(path: string, size: number): Error {
  const whole = Math.floor(size / AMAZON_RECORD_BYTES);
  const offset = whole * AMAZON_RECORD_BYTES;
  return new Error(
    `${path}: truncated last record at byte ${offset}: ${
      size - offset
    } of ${AMAZON_RECORD_BYTES} ` +
      `bytes (file size ${size} is not a multiple of ${AMAZON_RECORD_BYTES}; ${whole} whole records)`,
  );
}

/** Decodes the ASIN at `buf[at..at+10)`; rejects non-printable bytes (a misaligned file). */
function decodeAsin(buf: Uint8Array, at: number, path: string, offset: number): string {
  let s = "";
  for (let k = 0; k < ASIN_BYTES; k++) {
    const c = buf[at + k];
    if (c < 0x21 || c > 0x7e) {
      throw new Error(
        `${path}: record at byte ${offset} has a non-printable ASIN byte 0x${
          c.toString(16).padStart(2, "0")
        } at position ${k} (not an image_features .b file, or misaligned)`,
      );
    }
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * Core loop: reads the file in chunks and calls `visit(buf, at, offset)` for each complete record
 * (`buf[at..at+RECORD)` is the record, `offset` its file offset). Returns the record count.
 */
async function forEachRecord(
  path: string,
  chunkBytes: number,
  visit: (buf: Uint8Array, at: number, offset: number) => void | Promise<void>,
  onProgress?: ByteProgress,
): Promise<{ records: number; bytes: number }> {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new RangeError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
  }
  const file = await Deno.open(path, { read: true });
  try {
    const size = (await file.stat()).size;
    if (size % AMAZON_RECORD_BYTES !== 0) throw truncatedError(path, size);
    // Room for one read plus a partial record carried over from the previous read.
    const buf = new Uint8Array(chunkBytes + AMAZON_RECORD_BYTES);
    let filled = 0; // bytes in buf
    let bufOffset = 0; // file offset of buf[0]
    let records = 0;
    while (true) {
      const n = await file.read(buf.subarray(filled, filled + chunkBytes));
      if (n === null) break;
      filled += n;
      let at = 0;
      while (filled - at >= AMAZON_RECORD_BYTES) {
        await visit(buf, at, bufOffset + at);
        records++;
        at += AMAZON_RECORD_BYTES;
      }
      if (at > 0) {
        buf.copyWithin(0, at, filled);
        filled -= at;
        bufOffset += at;
      }
      onProgress?.(bufOffset + filled, size);
    }
    if (filled !== 0) throw truncatedError(path, bufOffset + filled);
    return { records, bytes: bufOffset };
  } finally {
    file.close();
  }
}

/**
 * Streams every record (or those whose ASIN is in `options.keep`) to `onRecord`, in file order.
 */
export async function scanAmazonFeatures(
  path: string,
  onRecord: AmazonRecordHandler,
  options: AmazonScanOptions = {},
): Promise<AmazonScanSummary> {
  if (!LITTLE_ENDIAN) throw new Error("scanAmazonFeatures needs a little-endian host");
  const features = new Float32Array(AMAZON_FEATURE_DIM);
  const featureBytes = new Uint8Array(features.buffer);
  const keep = options.keep;
  let kept = 0;
  const { records, bytes } = await forEachRecord(
    path,
    options.chunkBytes ?? DEFAULT_CHUNK,
    async (buf, at, offset) => {
      const asin = decodeAsin(buf, at, path, offset);
      if (keep && !keep.has(asin)) return;
      featureBytes.set(buf.subarray(at + ASIN_BYTES, at + AMAZON_RECORD_BYTES));
      kept++;
      await onRecord(asin, features, offset);
    },
    options.onProgress,
  );
  return { records, kept, bytes };
}

/**
 * Lists the ASINs of a `.b` file in file order (with repeats, if the file has any), reading only
 * the 10 ASIN bytes of each record. With `keep`, only ASINs in the set are listed.
 */
export function listAmazonAsins(path: string, keep?: ReadonlySet<string>): Promise<string[]> {
  const file = Deno.openSync(path, { read: true });
  try {
    const size = file.statSync().size;
    if (size % AMAZON_RECORD_BYTES !== 0) throw truncatedError(path, size);
    const out: string[] = [];
    const buf = new Uint8Array(ASIN_BYTES);
    for (let offset = 0; offset < size; offset += AMAZON_RECORD_BYTES) {
      file.seekSync(offset, Deno.SeekMode.Start);
      let got = 0;
      while (got < ASIN_BYTES) {
        const n = file.readSync(buf.subarray(got));
        if (n === null || n === 0) throw truncatedError(path, offset + got);
        got += n;
      }
      const asin = decodeAsin(buf, 0, path, offset);
      if (!keep || keep.has(asin)) out.push(asin);
    }
    return Promise.resolve(out);
  } catch (e) {
    return Promise.reject(e);
  } finally {
    file.close();
  }
}

/** Writes whole rows at their final positions, merging runs of consecutive rows into one write. */
class InPlaceRowWriter {
  #file: Deno.FsFile;
  #dataStart: number;
  #buf: Uint8Array;
  #capRows: number;
  #start = -1;
  #count = 0;

  constructor(file: Deno.FsFile, dataStart: number, maxBytes: number) {
    this.#file = file;
    this.#dataStart = dataStart;
    this.#capRows = Math.max(1, Math.floor(maxBytes / FEATURE_BYTES));
    this.#buf = new Uint8Array(this.#capRows * FEATURE_BYTES);
  }

  async put(row: number, bytes: Uint8Array): Promise<void> {
    if (this.#count > 0 && (row !== this.#start + this.#count || this.#count === this.#capRows)) {
      await this.flush();
    }
    if (this.#count === 0) this.#start = row;
    this.#buf.set(bytes, this.#count * FEATURE_BYTES);
    this.#count++;
  }

  async flush(): Promise<void> {
    if (this.#count === 0) return;
    await this.#file.seek(this.#dataStart + this.#start * FEATURE_BYTES, Deno.SeekMode.Start);
    const data = this.#buf.subarray(0, this.#count * FEATURE_BYTES);
    await writeAll(this.#file, data);
    this.#count = 0;
  }
}

function defaultAsinsPath(outPath: string): string {
  return outPath.replace(/\.npy$/, "") + ".asins.txt";
}

/**
 * Writes the features of the chosen ASINs to `outPath` (float32 `.npy`, `[rows, 4096]`, row r =
 * `order[r]`) and the ASIN list to `asinsPath`, in one sequential pass over the `.b` file.
 * ASINs of `order` missing from the file are an error unless `allowMissing`. On error the partial
 * outputs are removed.
 */
export async function extractAmazonFeatures(
  path: string,
  outPath: string,
  options: AmazonExtractOptions = {},
): Promise<AmazonExtractResult> {
  const order: readonly string[] = options.order ??
    unique(await listAmazonAsins(path, options.keep));
  const rowOf = new Map<string, number>();
  order.forEach((asin, r) => {
    if (rowOf.has(asin)) {
      throw new Error(
        `extractAmazonFeatures: ASIN '${asin}' appears twice in order (rows ${
          rowOf.get(asin)
        } and ${r})`,
      );
    }
    rowOf.set(asin, r);
  });
  const asinsPath = options.asinsPath ?? defaultAsinsPath(outPath);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK;
  const header = encodeNpyHeader("float32", [order.length, AMAZON_FEATURE_DIM]);
  const filled = new Uint8Array(order.length);
  const duplicates = new Set<string>();
  const out = await Deno.open(outPath, { write: true, create: true, truncate: true });
  let ok = false;
  try {
    await writeAll(out, header);
    // Pre-size: rows never written read back as zeros.
    await out.truncate(header.length + order.length * FEATURE_BYTES);
    const writer = new InPlaceRowWriter(out, header.length, chunkBytes);
    const { records, bytes } = await forEachRecord(path, chunkBytes, async (buf, at, offset) => {
      const asin = decodeAsin(buf, at, path, offset);
      const row = rowOf.get(asin);
      if (row === undefined) return;
      if (filled[row]) {
        duplicates.add(asin);
        return;
      }
      filled[row] = 1;
      await writer.put(row, buf.subarray(at + ASIN_BYTES, at + AMAZON_RECORD_BYTES));
    }, options.onProgress);
    await writer.flush();
    const missing = order.filter((_, r) => filled[r] === 0);
    if (missing.length > 0 && !options.allowMissing) {
      throw new Error(
        `${path}: ${missing.length} of ${order.length} requested ASINs have no record (first: ${
          missing.slice(0, 5).join(", ")
        }); pass allowMissing to keep zero rows for them`,
      );
    }
    await Deno.writeTextFile(asinsPath, order.length ? order.join("\n") + "\n" : "");
    ok = true;
    return {
      rows: order.length,
      asins: order.slice(),
      missing,
      duplicates: [...duplicates],
      records,
      bytes,
      asinsPath,
    };
  } finally {
    out.close();
    if (!ok) {
      await Deno.remove(outPath).catch(() => {});
    }
  }
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
