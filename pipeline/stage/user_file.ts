/**
 * Reading a file whose path a user gave (a project's settings and what they extend, an executor
 * config, an expectations file): only a regular file, at most a size cap, strict UTF-8. A
 * FIFO would block the read forever, `/dev/zero` or a huge file would fill memory, and a folder
 * fails with an OS message naming nothing; each of these is one sentence naming the file and the
 * limit instead. `Deno.errors.NotFound` passes through unchanged, so that callers can say what
 * a missing file means (an unknown profile, a built-in default).
 *
 * The file is checked with `stat` before it is opened (opening a FIFO for reading blocks until
 * a writer comes) and again through the open handle, and the read stops one byte past the cap,
 * so a file swapped or grown in between cannot get past the limit either.
 *
 * @module
 */

/** Largest user config file read by default: 4 MiB (a profile is a few KiB). */
export const MAX_USER_FILE_BYTES = 4 * 2 ** 20;

/** Options of {@link readUserText} and {@link readUserJson}. */
export interface UserFileOptions {
  /** What the file is, for the message, e.g. `executor config`, `expectations file`. */
  what: string;
  /** Largest size accepted, in bytes (default {@link MAX_USER_FILE_BYTES}). */
  maxBytes?: number;
}

/** A size in bytes as people read it: `4 MiB`, `512 KiB`, `100 bytes`. */
function showBytes(n: number): string {
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** What a non-regular file is, in words. */
function kindOf(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a folder";
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}

/**
 * The text of the user's file at `path`, checked as the module says; throws one sentence naming
 * the file, what it is and the limit, or `Deno.errors.NotFound` when nothing is there.
 */
export async function readUserText(path: string, options: UserFileOptions): Promise<string> {
  const max = options.maxBytes ?? MAX_USER_FILE_BYTES;
  const rule = `a ${options.what} must be a regular file of at most ${showBytes(max)}`;
  const check = (info: Deno.FileInfo) => {
    if (!info.isFile) throw new Error(`${options.what} ${path}: is ${kindOf(info)}; ${rule}`);
    if (info.size > max) {
      throw new Error(`${options.what} ${path}: ${info.size} bytes, over the limit; ${rule}`);
    }
  };
  check(await Deno.stat(path));
  using file = await Deno.open(path, { read: true });
  check(await file.stat());
  const buf = new Uint8Array(max + 1);
  let got = 0;
  while (got < buf.length) {
    const n = await file.read(buf.subarray(got));
    if (n === null) break;
    got += n;
  }
  if (got > max) throw new Error(`${options.what} ${path}: grew past the limit; ${rule}`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, got));
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    throw new Error(`${options.what} ${path}: not valid UTF-8 (${rule}, in UTF-8 JSON)`);
  }
}

/**
 * The parsed JSON of the user's file at `path` ({@link readUserText}'s checks, then `JSON.parse`);
 * invalid JSON is one sentence naming the file and the parser's message.
 */
export async function readUserJson(path: string, options: UserFileOptions): Promise<unknown> {
  const text = await readUserText(path, options);
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new Error(`${options.what} ${path}: invalid JSON: ${e.message}`);
  }
}
