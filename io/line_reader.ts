/**
 * Streams a text file line by line (never the whole file in memory), with 1-based line numbers
 * for error messages. `.gz` files are decompressed on the fly. Each line is decoded as strict
 * UTF-8 (invalid bytes are an error naming the file and line, never silently replaced), and a
 * line past `maxLineBytes` is an error naming the file and line before it is held in memory.
 */

/** One line of a text file, without its line terminator. */
export interface TextLine {
  /** The line's text (a trailing `\r` is removed). */
  text: string;
  /** 1-based line number. */
  line: number;
}

/** Options for `readTextLines`. */
export interface ReadTextLinesOptions {
  /** Decompress with gzip (default: when the path ends in `.gz`). */
  gzip?: boolean;
  /** Longest line, in bytes (default {@link MAX_LINE_BYTES}). */
  maxLineBytes?: number;
}

/** Longest line read by default: 16 MiB (a 10^6-column row of short numbers fits). */
export const MAX_LINE_BYTES = 16 * 2 ** 20;

/** A line to show in an error message: at most 120 characters, with the full length after. */
export function shownLine(line: string): string {
  return line.length <= 120 ? line : `${line.slice(0, 120)}... (${line.length} characters)`;
}

/**
 * Yields the lines of `path` in order. A final line without a newline is yielded; the empty
 * string after a trailing newline is not.
 */
export async function* readTextLines(
  path: string,
  options: ReadTextLinesOptions = {},
): AsyncGenerator<TextLine> {
  const gzip = options.gzip ?? path.endsWith(".gz");
  const file = await Deno.open(path, { read: true });
  let bytes: ReadableStream<Uint8Array> = file.readable;
  if (gzip) {
    bytes = bytes.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
  }
  const reader = bytes.getReader();
  const maxLine = options.maxLineBytes ?? MAX_LINE_BYTES;
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const decode = (b: Uint8Array, n: number): string => {
    try {
      return stripCr(utf8.decode(b));
    } catch {
      throw new Error(`${path}:${n}: not valid UTF-8 (the file must be UTF-8 text)`);
    }
  };
  const tooLong = (n: number): Error =>
    new Error(`${path}:${n}: a line longer than ${maxLine} bytes (the limit): not a text table?`);
  let carry: Uint8Array[] = [];
  let carried = 0;
  let line = 0;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      let start = 0;
      while (true) {
        const nl = value.indexOf(0x0a, start);
        if (nl < 0) break;
        line++;
        let bytesOfLine = value.subarray(start, nl);
        if (carried + bytesOfLine.length > maxLine) throw tooLong(line);
        if (carried > 0) {
          bytesOfLine = concat([...carry, bytesOfLine], carried + bytesOfLine.length);
          carry = [];
          carried = 0;
        }
        yield { text: decode(bytesOfLine, line), line };
        start = nl + 1;
      }
      if (start < value.length) {
        carried += value.length - start;
        if (carried > maxLine) throw tooLong(line + 1);
        carry.push(value.slice(start));
      }
    }
    if (carried > 0) {
      line++;
      yield { text: decode(concat(carry, carried), line), line };
    }
  } finally {
    // Cancelling releases the file; the stream closes it when fully read.
    await reader.cancel().catch(() => {});
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function stripCr(s: string): string {
  return s.endsWith("\r") ? s.slice(0, -1) : s;
}
