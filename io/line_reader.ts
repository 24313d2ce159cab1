/**
 * Streams a text file line by line (never the whole file in memory), with 1-based line numbers
 * for error messages. `.gz` files are decompressed on the fly.
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
  const reader = bytes.pipeThrough(new TextDecoderStream()).getReader();
  let carry = "";
  let line = 0;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      const text = carry + value;
      let start = 0;
      while (true) {
        const nl = text.indexOf("\n", start);
        if (nl < 0) break;
        line++;
        yield { text: stripCr(text.slice(start, nl)), line };
        start = nl + 1;
      }
      carry = text.slice(start);
    }
    if (carry.length > 0) {
      line++;
      yield { text: stripCr(carry), line };
    }
  } finally {
    // Cancelling releases the file; the stream closes it when fully read.
    await reader.cancel().catch(() => {});
  }
}

function stripCr(s: string): string {
  return s.endsWith("\r") ? s.slice(0, -1) : s;
}
