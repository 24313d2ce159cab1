/**
 * The JSON files the stages write (summaries, tables, figure data): pretty-printed, two-space
 * indent, trailing newline, so they read well and diff line by line.
 *
 * @module
 */

/** Writes pretty-printed JSON with a trailing newline. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2) + "\n");
}
