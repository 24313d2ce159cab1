/**
 * Writing a whole buffer to an open file: `FsFile.write` may write fewer bytes than asked.
 */

/** Largest slice handed to one `write` call (large single writes fail on some platforms). */
const MAX_WRITE = 1 << 30;

/** Writes every byte of `bytes` to `file` (in slices of at most 1 GiB). */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    off += await file.write(bytes.subarray(off, Math.min(bytes.length, off + MAX_WRITE)));
  }
}
