/**
 * `.tar.gz` archives: writing a reproducible one from files, and unpacking an UNTRUSTED one into
 * a fresh folder. Unpacking never writes outside that folder and never executes anything: only
 * plain files and folders with relative paths are accepted; absolute paths, `..`, symlinks,
 * hard links, devices and FIFOs are refused, as are duplicate names and archives past the size
 * and entry limits (a decompression bomb is stopped while streaming, before it fills the disk).
 * Only canonical ustar/pax archives are read ({@link TarCheck}): every header is checked before
 * tar-stream parses it, so that no entry reads one way here and another way in GNU tar or Python.
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
  /**
   * Most bytes of file content and extended headers (pax, long names) in all (decompression
   * bomb guard); one extended header may hold at most {@link MAX_HEADER_BYTES}.
   */
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

/** Largest single extended header (a pax header or a GNU long name) an archive may hold. */
export const MAX_HEADER_BYTES = 4 * 2 ** 20;

/** pax keys read (anything else, e.g. GNU sparse maps, would change what an entry holds). */
const PAX_KEYS = new Set([
  "path",
  "linkpath",
  "size",
  "mtime",
  "atime",
  "ctime",
  "uid",
  "gid",
  "uname",
  "gname",
  "comment",
  "charset",
  "hdrcharset",
]);
/** pax keys a global header may not set: they would change every later entry's name or size. */
const PAX_GLOBAL_REFUSED = new Set(["path", "linkpath", "size"]);

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder();

/** The unsigned checksum of a header block, its checksum field read as eight spaces. */
function headerChecksum(b: Uint8Array): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += b[i];
  for (let i = 156; i < 512; i++) sum += b[i];
  return sum;
}

/** A NUL-terminated string field. */
function field(b: Uint8Array, off: number, len: number): string {
  const f = b.subarray(off, off + len);
  const end = f.indexOf(0);
  return utf8.decode(end < 0 ? f : f.subarray(0, end));
}

/**
 * Checks the tar stream before tar-stream parses it and refuses what is not a canonical ustar or
 * pax archive, since readers disagree on everything else: a numeric field that is not plain octal
 * (`\0\0` + digits is N bytes to tar-stream and 0 to GNU tar), a bad checksum, an unknown magic
 * or entry type, a lone zero block, anything but zeros after the two end-of-archive blocks, a pax
 * `size` that disagrees with the header, a pax key outside {@link PAX_KEYS}, and an archive that
 * ends inside an entry. Also counts the bytes of extended headers (pax, long names) with the file
 * contents against `maxBytes`, and caps one extended header at {@link MAX_HEADER_BYTES}.
 */
class TarCheck extends Transform {
  #mode: "header" | "skip" | "ext" | "end" = "header";
  #block = new Uint8Array(512);
  #filled = 0;
  /** Bytes still to skip (content, padding) or to collect (an extended header). */
  #left = 0;
  #ext = new Uint8Array(0);
  #extFilled = 0;
  #extType = "";
  #zeros = 0;
  #bytes = 0;
  #pax: Map<string, string> | null = null;
  #longName: string | null = null;
  #offset = 0;
  constructor(readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: string, done: TransformCallback): void {
    try {
      this.#scan(chunk);
    } catch (e) {
      done(e as Error);
      return;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.#mode === "end") done();
    else {
      done(
        new UnsafeArchiveError(
          this.#mode === "header" && this.#filled === 0
            ? "the archive ends without its two end-of-archive blocks (truncated?)"
            : "the archive ends inside an entry (truncated)",
        ),
      );
    }
  }

  #scan(c: Uint8Array): void {
    let i = 0;
    while (i < c.length) {
      if (this.#mode === "end") {
        for (; i < c.length; i++) {
          if (c[i] !== 0) {
            throw new UnsafeArchiveError(
              `data after the end-of-archive blocks (byte ${this.#offset + i}): ` +
                `readers disagree on whether it is part of the archive`,
            );
          }
        }
        break;
      }
      if (this.#mode === "skip" || this.#mode === "ext") {
        const n = Math.min(this.#left, c.length - i);
        if (this.#mode === "ext") {
          this.#ext.set(c.subarray(i, i + n), this.#extFilled);
          this.#extFilled += n;
        }
        i += n;
        this.#left -= n;
        if (this.#left > 0) continue;
        if (this.#mode === "ext") {
          this.#endExtended();
          this.#left = (512 - this.#ext.length % 512) % 512;
        }
        this.#mode = this.#left > 0 ? "skip" : "header";
        continue;
      }
      const n = Math.min(512 - this.#filled, c.length - i);
      this.#block.set(c.subarray(i, i + n), this.#filled);
      this.#filled += n;
      i += n;
      if (this.#filled === 512) {
        this.#filled = 0;
        this.#header(this.#block, this.#offset + i - 512);
      }
    }
    this.#offset += c.length;
  }

  #header(b: Uint8Array, at: number): void {
    if (b.every((x) => x === 0)) {
      if (++this.#zeros === 2) this.#mode = "end";
      return;
    }
    const where = `header at byte ${at}`;
    if (this.#zeros > 0) {
      throw new UnsafeArchiveError(
        `${where}: follows a lone zero block (GNU tar stops there, tar-stream reads on)`,
      );
    }
    const magic = latin1.decode(b.subarray(257, 265));
    const posix = magic === "ustar\x0000";
    if (!posix && magic !== "ustar  \x00") {
      throw new UnsafeArchiveError(`${where}: not a ustar or pax header`);
    }
    const sum = strictOctal(b, 148, 8, `${where}: checksum`);
    if (sum !== headerChecksum(b)) {
      throw new UnsafeArchiveError(`${where}: checksum ${sum} is wrong (${headerChecksum(b)})`);
    }
    const size = strictOctal(b, 124, 12, `${where}: size`);
    const flag = String.fromCharCode(b[156]);
    const prefix = posix ? field(b, 345, 155) : "";
    const name = this.#pax?.get("path") ?? this.#longName ??
      (prefix ? `${prefix}/${field(b, 0, 100)}` : field(b, 0, 100));
    const what = `entry "${name.slice(0, 200)}"`;
    if (flag === "x" || flag === "g" || flag === "L") {
      if (size > MAX_HEADER_BYTES) {
        throw new UnsafeArchiveError(
          `${where}: an extended header of ${size} bytes, more than the ${MAX_HEADER_BYTES} ` +
            `allowed for one header`,
        );
      }
      if ((flag === "x" && this.#pax) || (flag === "L" && this.#longName !== null)) {
        throw new UnsafeArchiveError(`${where}: two extended headers of one kind for one entry`);
      }
      this.#count(size, `${where} (an extended header of ${size} bytes)`);
      this.#extType = flag;
      this.#ext = new Uint8Array(size);
      this.#extFilled = 0;
      this.#left = size;
      this.#mode = size > 0 ? "ext" : "header";
      if (size === 0) this.#endExtended();
      return;
    }
    const paxSize = this.#pax?.get("size");
    this.#pax = null;
    this.#longName = null;
    if (paxSize !== undefined && Number(paxSize) !== size) {
      throw new UnsafeArchiveError(
        `${what}: its pax header says ${paxSize} bytes, its header ${size}`,
      );
    }
    if (flag === "0" || flag === "\0") {
      this.#count(size, `${what} (${size} bytes)`);
      this.#left = size + (512 - size % 512) % 512;
      this.#mode = this.#left > 0 ? "skip" : "header";
      return;
    }
    // Folders, and the types refused by name below (links, devices, FIFOs): no content.
    if ("123456".includes(flag)) {
      if (size !== 0) {
        throw new UnsafeArchiveError(`${what}: a size of ${size} for an entry without content`);
      }
      return;
    }
    throw new UnsafeArchiveError(
      `${what}: entry type ${JSON.stringify(flag)} is not allowed`,
    );
  }

  #count(n: number, what: string): void {
    this.#bytes += n;
    if (this.#bytes > this.maxBytes) {
      throw new UnsafeArchiveError(
        `${what}: the archive exceeds the limit of ${this.maxBytes} bytes`,
      );
    }
  }

  #endExtended(): void {
    const data = this.#ext;
    if (this.#extType === "L") {
      const end = data.indexOf(0);
      this.#longName = utf8.decode(end < 0 ? data : data.subarray(0, end));
      return;
    }
    const global = this.#extType === "g";
    const records = parsePax(data);
    for (const k of records.keys()) {
      if (!PAX_KEYS.has(k) && !/^(SCHILY|LIBARCHIVE)\.xattr\./.test(k)) {
        throw new UnsafeArchiveError(`pax header: key "${k.slice(0, 100)}" is not allowed`);
      }
      if (global && PAX_GLOBAL_REFUSED.has(k)) {
        throw new UnsafeArchiveError(`pax global header: key "${k}" is not allowed`);
      }
    }
    const size = records.get("size");
    if (size !== undefined && !/^[0-9]{1,15}$/.test(size)) {
      throw new UnsafeArchiveError(`pax header: size "${size.slice(0, 40)}" is not a number`);
    }
    if (!global) this.#pax = records;
  }
}

/** A numeric header field, strictly: octal digits first, then only NULs or spaces. */
function strictOctal(b: Uint8Array, off: number, len: number, what: string): number {
  const raw = latin1.decode(b.subarray(off, off + len));
  const m = /^([0-7]+)[ \0]*$/.exec(raw);
  if (!m || m[1].length > 11) {
    throw new UnsafeArchiveError(
      `${what} field ${JSON.stringify(raw)} is not plain octal (readers disagree on it)`,
    );
  }
  return parseInt(m[1], 8);
}

/** The records of a pax header (`<length> <key>=<value>\n`, lengths exact). */
function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    const len = sp < 0 ? NaN : Number(latin1.decode(data.subarray(pos, sp)));
    const rec = data.subarray(sp + 1, pos + len);
    const eq = rec.indexOf(0x3d);
    if (
      !Number.isInteger(len) || len <= 0 || sp - pos > 8 || pos + len > data.length ||
      data[pos + len - 1] !== 0x0a || eq <= 0
    ) {
      throw new UnsafeArchiveError(`pax header: malformed record at byte ${pos}`);
    }
    const key = utf8.decode(rec.subarray(0, eq));
    if (out.has(key)) throw new UnsafeArchiveError(`pax header: key "${key}" given twice`);
    out.set(key, utf8.decode(rec.subarray(eq + 1, rec.length - 1)));
    pos += len;
  }
  return out;
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
    new TarCheck(limits.maxBytes),
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
