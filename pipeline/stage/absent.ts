/**
 * Reads that tell "absent" from "failed": only `Deno.errors.NotFound` means nothing is there;
 * every other error (a permission error, a file where a folder should be) is thrown, so it is
 * reported rather than taken for absence.
 *
 * @module
 */

/** `Deno.stat(path)`, or null when nothing is at `path`. */
export async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** `Deno.lstat(path)` (a link is not followed), or null when nothing is at `path`. */
export async function lstatOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** The text of the file at `path`, or null when there is no such file. */
export async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}
