/**
 * `.tar.gz` archives: writing a reproducible one from files, and unpacking an UNTRUSTED one into
 * a fresh folder. Unpacking never writes outside that folder and never executes anything: only
 * plain files and folders with relative paths are accepted; absolute paths, `..`, symlinks,
 * hard links, devices and FIFOs are refused, as are duplicate names and archives past the size
 * and entry limits (a decompression bomb is stopped while streaming, before it fills the disk).
 * Built on tar-stream (a tar parser and generator and nothing else) and node:zlib.
 */
// @ts-types="npm:@types/tar-stream@3.1.4"
import tar from "tar-stream";
import { createGunzip, createGzip } from "node:zlib";
import { createReadStream, createWriteStream } from "node:fs";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { join } from "node:path";
import { relativePathProblem } from "../store/entry.ts";

/** One file to put into an archive: its name inside, and either a path on disk or bytes. */
export interface ArchiveFile {
  /** Relative path inside the archive (forward slashes). */
  name: string;
  /** File on disk to copy (streamed). */
  path?: string;
  /** Content, when not read from disk. */
  data?: Uint8Array;
}

/** Limits on what an untrusted archive may unpack to. */
export interface ExtractLimits {
  /** Most bytes of file content in all (decompression bomb guard). */
  maxBytes: number;
  /** Most entries (files and folders). */
  maxEntries: number;
}

/** Default limits: 64 GiB of content, 1,000,000 entries (the largest bundle this
 * repository's own project makes with `--with-store` holds about 2 GB in a few thousand files). */
export const DEFAULT_LIMITS: ExtractLimits = { maxBytes: 64 * 2 ** 30, maxEntries: 1_000_000 };

/** An archive refused as unsafe or malformed; names the offending entry. */
export class UnsafeArchiveError extends Error {
  override name = "UnsafeArchiveError";
}

/** Fixed metadata so that the same files give the same archive bytes. */
const FIXED = { mtime: new Date(0), mode: 0o644, uid: 0, gid: 0, uname: "", gname: "" };

/**
 * Writes `files` (in the given order) as a gzip-compressed tar to `out`, atomically (a
 * temporary file renamed into place). Entries carry fixed times, owners and modes.
 */
export async function writeTarGz(out: string, files: readonly ArchiveFile[]): Promise<void> {
  const tmp = `${out}.${crypto.randomUUID()}.tmp`;
  const pack = tar.pack();
  const written = pipeline(pack, createGzip({ level: 6 }), createWriteStream(tmp));
  try {
    for (const f of files) {
      checkName(f.name);
      if (f.data) {
        await new Promise<void>((resolve, reject) =>
          pack.entry(
            { ...FIXED, name: f.name },
            Buffer.from(f.data!),
            (e) => e ? reject(e) : resolve(),
          )
        );
      } else if (f.path) {
        const size = (await Deno.stat(f.path)).size;
        const entry = pack.entry({ ...FIXED, name: f.name, size });
        await pipeline(createReadStream(f.path), entry);
      } else {
        throw new Error(`archive entry ${f.name}: neither a path nor data`);
      }
    }
    pack.finalize();
    await written;
    await Deno.rename(tmp, out);
  } catch (e) {
    pack.destroy();
    await written.catch(() => {});
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Checks one entry name and returns its normalised relative path (no `.` segments, no
 * trailing slash). Refuses absolute paths, `..`, backslashes, drive letters and NUL.
 */
export function checkName(name: string): string {
  const problem = relativePathProblem(name);
  if (problem) throw new UnsafeArchiveError(`entry "${name}": ${problem}`);
  return name.split("/").filter((s) => s !== "" && s !== ".").join("/");
}

const REFUSED_TYPES: Record<string, string> = {
  symlink: "a symbolic link",
  link: "a hard link",
  "character-device": "a character device",
  "block-device": "a block device",
  fifo: "a FIFO",
};

/** Counts the bytes gunzip produces and stops the stream past a limit (gzip bomb guard). */
class ByteLimit extends Transform {
  #seen = 0;
  constructor(readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: string, done: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.limit) {
      done(
        new UnsafeArchiveError(
          `archive decompresses to more than ${this.limit} bytes of tar data (limit)`,
        ),
      );
      return;
    }
    done(null, chunk);
  }
}

/** What {@link extractTarGz} unpacked. */
export interface ExtractResult {
  /** Relative paths of the files, in archive order. */
  files: string[];
  /** Bytes of file content. */
  bytes: number;
}

/**
 * Unpacks an untrusted `.tar.gz` into `dest`, which must be an empty folder. Throws
 * {@link UnsafeArchiveError} naming the entry for anything but plain files and folders with
 * safe relative paths, for a name given twice, and past `limits`. Files are created with
 * mode 0644 whatever the archive says (nothing it holds becomes executable). On error,
 * whatever was unpacked stays in `dest` for the caller to remove.
 */
export async function extractTarGz(
  file: string,
  dest: string,
  limits: ExtractLimits = DEFAULT_LIMITS,
): Promise<ExtractResult> {
  for await (const _ of Deno.readDir(dest)) {
    throw new Error(`extract: ${dest} is not empty`);
  }
  const files: string[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  let entries = 0;
  const extract = tar.extract();
  // Tar framing is at most three 512-byte blocks per entry (header, long name, padding).
  const rawLimit = limits.maxBytes + limits.maxEntries * 1536 + 1024 * 1024;
  const unpacked = pipeline(
    createReadStream(file),
    createGunzip(),
    new ByteLimit(rawLimit),
    extract,
  );
  // Handled at once: a truncated or garbage archive rejects this while the loop below still
  // awaits an entry, and an unhandled rejection would kill the process before any cleanup.
  unpacked.catch(() => {});
  try {
    for await (const entry of extract) {
      const h = entry.header;
      entries++;
      if (entries > limits.maxEntries) {
        throw new UnsafeArchiveError(`more than ${limits.maxEntries} entries (limit)`);
      }
      const refused = REFUSED_TYPES[h.type ?? "file"];
      if (refused) throw new UnsafeArchiveError(`entry "${h.name}": ${refused} is not allowed`);
      if (h.type !== "file" && h.type !== "directory" && h.type !== undefined) {
        throw new UnsafeArchiveError(`entry "${h.name}": entry type "${h.type}" is not allowed`);
      }
      // `tar -C dir .` writes the root folder itself as "./": nothing to create.
      if (h.type === "directory" && /^(\.\/?)+$/.test(h.name)) {
        entry.resume();
        continue;
      }
      const rel = checkName(h.name);
      if (seen.has(rel)) throw new UnsafeArchiveError(`entry "${h.name}": given twice`);
      seen.add(rel);
      const target = join(dest, rel);
      if (!target.startsWith(dest + "/")) {
        throw new UnsafeArchiveError(`entry "${h.name}": resolves outside the folder`);
      }
      if (h.type === "directory") {
        await Deno.mkdir(target, { recursive: true });
        entry.resume();
        continue;
      }
      const size = h.size ?? 0;
      if (bytes + size > limits.maxBytes) {
        throw new UnsafeArchiveError(
          `entry "${h.name}" (${size} bytes): the archive exceeds the limit of ${limits.maxBytes} bytes`,
        );
      }
      bytes += size;
      await Deno.mkdir(join(target, ".."), { recursive: true });
      // createNew: never follows or replaces anything already there.
      const fh = await Deno.open(target, { write: true, createNew: true, mode: 0o644 });
      try {
        let got = 0;
        for await (const chunk of entry as AsyncIterable<Uint8Array>) {
          got += chunk.length;
          if (got > size) throw new UnsafeArchiveError(`entry "${h.name}": longer than declared`);
          let off = 0;
          while (off < chunk.length) off += await fh.write(chunk.subarray(off));
        }
      } finally {
        fh.close();
      }
      files.push(rel);
    }
    await unpacked;
  } catch (e) {
    extract.destroy();
    const piped = await unpacked.then(() => null, (err) => err as Error);
    if (e instanceof UnsafeArchiveError) throw e;
    if (piped instanceof UnsafeArchiveError) throw piped;
    throw new UnsafeArchiveError(`${file}: not a readable .tar.gz (${(e as Error).message})`);
  }
  return { files, bytes };
}
