/**
 * Untrusted `.tar.gz` archives: a round trip keeps names and bytes; every unsafe entry (absolute
 * path, `..`, symlink, hard link, devices, FIFO, a name given twice) is refused naming the entry
 * with nothing written outside the destination; sizes past the limit (a decompression bomb)
 * and too many entries are refused while streaming; nothing unpacked is executable. Only
 * canonical ustar/pax headers are read (issue 19, item 2): hand-built archives that GNU tar reads
 * one way and tar-stream another are refused; extended headers count against the size limit and
 * one is capped (item 3).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createGzip, gzipSync } from "node:zlib";
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
// @ts-types="npm:@types/tar-stream@3.1.4"
import tar from "tar-stream";
import {
  checkName,
  DEFAULT_LIMITS,
  extractTarGz,
  MAX_HEADER_BYTES,
  UnsafeArchiveError,
  writeTarGz,
} from "../../../pipeline/bundle/archive.ts";

type Header = Parameters<ReturnType<typeof tar.pack>["entry"]>[0];

/** Writes a hand-made archive: each entry a header and optional content. */
async function craft(path: string, entries: { header: Header; body?: Uint8Array }[]) {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip(), createWriteStream(path));
  for (const e of entries) {
    await new Promise<void>((res, rej) =>
      pack.entry(
        e.header,
        e.body ? Buffer.from(e.body) : undefined,
        (err) => err ? rej(err) : res(),
      )
    );
  }
  pack.finalize();
  await done;
}

/** A fresh parent folder with an empty `dest/` inside: anything outside `dest` is a leak. */
async function sandbox(): Promise<{ parent: string; dest: string; archive: string }> {
  const parent = await Deno.makeTempDir({ prefix: "archive-test-" });
  const dest = join(parent, "dest");
  await Deno.mkdir(dest);
  return { parent, dest, archive: join(await Deno.makeTempDir(), "a.tar.gz") };
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("archive: round trip of files from disk and from memory", async () => {
  const { dest, archive } = await sandbox();
  const src = await Deno.makeTempDir();
  await Deno.writeFile(join(src, "big.bin"), new Uint8Array(300_000).map((_, i) => i % 251));
  await writeTarGz(archive, [
    { name: "a/b.txt", data: text("hello") },
    { name: "big.bin", path: join(src, "big.bin") },
  ]);
  const r = await extractTarGz(archive, dest);
  assert.deepEqual(r.files, ["a/b.txt", "big.bin"]);
  assert.equal(r.bytes, 300_005);
  assert.equal(await Deno.readTextFile(join(dest, "a/b.txt")), "hello");
  assert.deepEqual(
    await Deno.readFile(join(dest, "big.bin")),
    await Deno.readFile(join(src, "big.bin")),
  );
  // Same files, same bytes: fixed times, owners and modes.
  const again = archive.replace(".tar.gz", "2.tar.gz");
  await writeTarGz(again, [
    { name: "a/b.txt", data: text("hello") },
    { name: "big.bin", path: join(src, "big.bin") },
  ]);
  assert.deepEqual(await Deno.readFile(again), await Deno.readFile(archive));
});

Deno.test("archive: an archive made with `tar -C dir .` (root entry ./) unpacks", async () => {
  const { dest, archive } = await sandbox();
  await craft(archive, [
    { header: { name: "./", type: "directory" } },
    { header: { name: "./a.txt" }, body: text("a") },
  ]);
  assert.deepEqual((await extractTarGz(archive, dest)).files, ["a.txt"]);
});

Deno.test("archive: entry names are checked", () => {
  assert.equal(checkName("./a//b/./c.txt"), "a/b/c.txt");
  for (const bad of ["/etc/passwd", "../x", "a/../../x", "a\\b", "C:/x", "a\0b", "./"]) {
    assert.throws(() => checkName(bad), UnsafeArchiveError, bad);
  }
});

const UNSAFE: { what: string; entries: { header: Header; body?: Uint8Array }[]; msg: RegExp }[] = [
  {
    what: "absolute path",
    entries: [{ header: { name: "/tmp/evil.txt" }, body: text("x") }],
    msg: /"\/tmp\/evil\.txt": absolute path/,
  },
  {
    what: "..",
    entries: [{ header: { name: "ok/../../evil.txt" }, body: text("x") }],
    msg: /"ok\/\.\.\/\.\.\/evil\.txt": "\.\." in its path/,
  },
  {
    what: "symlink",
    entries: [{ header: { name: "link", type: "symlink", linkname: "/etc/passwd" } }],
    msg: /"link": a symbolic link is not allowed/,
  },
  {
    what: "hard link",
    entries: [
      { header: { name: "a.txt" }, body: text("x") },
      { header: { name: "b.txt", type: "link", linkname: "a.txt" } },
    ],
    msg: /"b\.txt": a hard link is not allowed/,
  },
  {
    what: "character device",
    entries: [{ header: { name: "null", type: "character-device", devmajor: 1, devminor: 3 } }],
    msg: /"null": a character device is not allowed/,
  },
  {
    what: "block device",
    entries: [{ header: { name: "sda", type: "block-device", devmajor: 8, devminor: 0 } }],
    msg: /"sda": a block device is not allowed/,
  },
  {
    what: "fifo",
    entries: [{ header: { name: "pipe", type: "fifo" } }],
    msg: /"pipe": a FIFO is not allowed/,
  },
  {
    what: "a name given twice",
    entries: [
      { header: { name: "a.txt" }, body: text("first") },
      { header: { name: "./a.txt" }, body: text("second") },
    ],
    msg: /"\.\/a\.txt": given twice/,
  },
];

for (const c of UNSAFE) {
  Deno.test(`archive: refuses ${c.what}, naming the entry, writing nothing outside`, async () => {
    const { parent, dest, archive } = await sandbox();
    await craft(archive, c.entries);
    await assert.rejects(() => extractTarGz(archive, dest), (e: Error) => {
      assert.ok(e instanceof UnsafeArchiveError, e.message);
      assert.match(e.message, c.msg);
      return true;
    });
    assert.deepEqual(await names(parent), ["dest"]);
    for await (const e of Deno.readDir(dest)) assert.ok(e.isFile || e.isDirectory, e.name);
  });
}

Deno.test("archive: a decompression bomb is stopped at the size limit", async () => {
  const { dest, archive } = await sandbox();
  // 8 MiB of zeros compress to a few KiB.
  await craft(archive, [{ header: { name: "zeros.bin" }, body: new Uint8Array(8 << 20) }]);
  assert.ok((await Deno.stat(archive)).size < 64 * 1024);
  await assert.rejects(
    () => extractTarGz(archive, dest, { maxBytes: 1 << 20, maxEntries: 10 }),
    /entry "zeros\.bin" \(8388608 bytes\): the archive exceeds the limit of 1048576 bytes/,
  );
  assert.deepEqual(await names(dest), []); // refused before a byte of it was written
  // Several files that are each under the limit but together over it.
  const { dest: d2, archive: a2 } = await sandbox();
  await craft(
    a2,
    [0, 1, 2].map((i) => ({ header: { name: `f${i}` }, body: new Uint8Array(600_000) })),
  );
  await assert.rejects(
    () => extractTarGz(a2, d2, { maxBytes: 1 << 20, maxEntries: 10 }),
    /entry "f1" .*exceeds the limit/,
  );
  // Too many entries.
  const { dest: d3, archive: a3 } = await sandbox();
  await craft(a3, [0, 1, 2, 3].map((i) => ({ header: { name: `f${i}` }, body: text("x") })));
  await assert.rejects(
    () => extractTarGz(a3, d3, { ...DEFAULT_LIMITS, maxEntries: 3 }),
    /more than 3 entries/,
  );
});

Deno.test("archive: unpacked files are never executable; not-a-tarball is a clear error", async () => {
  const { dest, archive } = await sandbox();
  await craft(archive, [{ header: { name: "run.sh", mode: 0o755 }, body: text("#!/bin/sh\n") }]);
  await extractTarGz(archive, dest);
  assert.equal((await Deno.stat(join(dest, "run.sh"))).mode! & 0o111, 0);
  const { dest: d2 } = await sandbox();
  const junk = join(await Deno.makeTempDir(), "junk.tar.gz");
  await Deno.writeTextFile(junk, "not gzip at all");
  await assert.rejects(() => extractTarGz(junk, d2), /not a readable \.tar\.gz/);
});

/** One raw header block, its checksum computed: `size` is the raw 12-byte size field. */
function rawHeader(name: string, size: string, flag = "0"): Uint8Array {
  const b = new Uint8Array(512);
  const put = (off: number, v: string) => b.set(new TextEncoder().encode(v), off);
  put(0, name);
  put(100, "0000644\0");
  put(108, "0000000\0");
  put(116, "0000000\0");
  put(124, size);
  put(136, "00000000000\0");
  put(156, flag);
  put(257, "ustar\x0000");
  put(148, "        ");
  const sum = b.reduce((a, x) => a + x, 0);
  put(148, `${sum.toString(8).padStart(6, "0")}\0 `);
  return b;
}

/** A size field in canonical form. */
const octal = (n: number) => `${n.toString(8).padStart(11, "0")}\0`;

/** Content padded to whole blocks. */
function blocks(data: Uint8Array | string): Uint8Array {
  const d = typeof data === "string" ? text(data) : data;
  const out = new Uint8Array(Math.ceil(d.length / 512) * 512);
  out.set(d);
  return out;
}

/** A pax extended header with its records (`<length> <key>=<value>\n`). */
function paxHeader(records: Record<string, string>): Uint8Array[] {
  let body = "";
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len++;
    body += `${len}${rest}`;
  }
  return [rawHeader("PaxHeader/x", octal(text(body).length), "x"), blocks(body)];
}

/** Writes blocks as a .tar.gz (with the two end-of-archive blocks unless `end` is false). */
async function rawArchive(parts: Uint8Array[], end = true): Promise<string> {
  const all = [...parts, ...(end ? [new Uint8Array(1024)] : [])];
  const tarBytes = new Uint8Array(all.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of all) {
    tarBytes.set(p, off);
    off += p.length;
  }
  const path = join(await Deno.makeTempDir(), "raw.tar.gz");
  await Deno.writeFile(path, gzipSync(tarBytes));
  return path;
}

/** What GNU tar lists in an archive (null where tar is not installed). */
async function gnuTarList(archive: string): Promise<string[] | null> {
  const out = await new Deno.Command("tar", { args: ["-tzf", archive], stdout: "piped" })
    .output().catch(() => null);
  if (!out) return null;
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
}

async function refused(archive: string, msg: RegExp, limits = DEFAULT_LIMITS): Promise<void> {
  const { parent, dest } = await sandbox();
  await assert.rejects(() => extractTarGz(archive, dest, limits), (e: Error) => {
    assert.ok(e instanceof UnsafeArchiveError, e.message);
    assert.match(e.message, msg);
    return true;
  });
  assert.deepEqual(await names(parent), ["dest"]);
}

Deno.test("archive: a size field of NULs and octal, read two ways by GNU tar and tar-stream, is refused", async () => {
  // GNU tar reads a.txt's size as 0 and finds evil.txt after it; tar-stream reads 1024 bytes
  // of content for a.txt (evil.txt's header and data), and no evil.txt.
  const evil = [rawHeader("evil.txt", octal(4)), blocks("EVIL")];
  const archive = await rawArchive([rawHeader("a.txt", "\0\0" + "0000002000"), ...evil]);
  const gnu = await gnuTarList(archive);
  if (gnu) assert.deepEqual(gnu, ["a.txt", "evil.txt"]);
  await refused(
    archive,
    /header at byte 0: size field "\\u0000\\u00000000002000" is not plain octal/,
  );
  // Leading spaces, a base-256 size and a bad checksum: not canonical either.
  await refused(
    await rawArchive([rawHeader("a.txt", "     000004\0"), blocks("abcd")]),
    /size field/,
  );
  const b256 = rawHeader("a.txt", octal(4));
  b256[124] = 0x80;
  await refused(await rawArchive([b256, blocks("abcd")]), /checksum|size field/);
  const bad = rawHeader("a.txt", octal(4));
  bad[0] = "b".charCodeAt(0);
  await refused(await rawArchive([bad, blocks("abcd")]), /checksum \d+ is wrong/);
  // The canonical form of the same entry unpacks.
  const { dest } = await sandbox();
  const ok = await rawArchive([rawHeader("a.txt", octal(4)), blocks("abcd"), ...evil]);
  assert.deepEqual((await extractTarGz(ok, dest)).files, ["a.txt", "evil.txt"]);
});

Deno.test("archive: nothing after the end-of-archive blocks, no lone zero block, no truncation", async () => {
  const a = [rawHeader("a.txt", octal(1)), blocks("a")];
  const hidden = await rawArchive([
    ...a,
    new Uint8Array(1024),
    rawHeader("b.txt", octal(1)),
    blocks("b"),
  ]);
  const gnu = await gnuTarList(hidden);
  if (gnu) assert.deepEqual(gnu, ["a.txt"]); // tar-stream alone reads b.txt
  await refused(hidden, /data after the end-of-archive blocks \(byte 2048\)/);
  const lone = await rawArchive([
    ...a,
    new Uint8Array(512),
    rawHeader("b.txt", octal(1)),
    blocks("b"),
  ]);
  await refused(lone, /follows a lone zero block/);
  await refused(await rawArchive(a, false), /ends without its two end-of-archive blocks/);
  // GNU tar pads with zeros to a whole record: that is fine.
  const { dest } = await sandbox();
  const padded = await rawArchive([...a, new Uint8Array(8192)]);
  assert.deepEqual((await extractTarGz(padded, dest)).files, ["a.txt"]);
});

Deno.test("archive: a pax size that disagrees with the header, unknown pax keys and types are refused", async () => {
  await refused(
    await rawArchive([
      ...paxHeader({ size: "1024" }),
      rawHeader("a.txt", octal(4)),
      blocks("abcd"),
    ]),
    /entry "a\.txt": its pax header says 1024 bytes, its header 4/,
  );
  await refused(
    await rawArchive([
      ...paxHeader({ "GNU.sparse.map": "0,4" }),
      rawHeader("a", octal(4)),
      blocks("abcd"),
    ]),
    /pax header: key "GNU\.sparse\.map" is not allowed/,
  );
  await refused(
    await rawArchive([rawHeader("s", octal(4), "S"), blocks("abcd")]),
    /entry "s": entry type "S" is not allowed/,
  );
  await refused(
    await rawArchive([rawHeader("d/", octal(512), "5"), blocks("x")]),
    /entry "d\/": a size of 512 for an entry without content/,
  );
  // An agreeing pax size and a pax path are canonical.
  const { dest } = await sandbox();
  const long = `${"d".repeat(120)}/a.txt`;
  const ok = await rawArchive([
    ...paxHeader({ size: "4", path: long }),
    rawHeader("a.txt", octal(4)),
    blocks("abcd"),
  ]);
  assert.deepEqual((await extractTarGz(ok, dest)).files, [long]);
  assert.equal(await Deno.readTextFile(join(dest, long)), "abcd");
});

Deno.test("archive: pax and long-name bytes count against the limit; one header is capped", async () => {
  const limits = { maxBytes: 1 << 20, maxEntries: 10 };
  // 600 kB of pax comment and 600 kB of content: each under 1 MiB, together over it.
  const archive = await rawArchive([
    ...paxHeader({ comment: "c".repeat(600_000) }),
    rawHeader("f", octal(600_000)),
    blocks(new Uint8Array(600_000)),
  ]);
  await refused(
    archive,
    /entry "f" \(600000 bytes\): the archive exceeds the limit of 1048576/,
    limits,
  );
  const huge = await rawArchive([
    ...paxHeader({ comment: "c".repeat(MAX_HEADER_BYTES) }),
    rawHeader("f", octal(1)),
    blocks("f"),
  ]);
  await refused(huge, new RegExp(`more than the ${MAX_HEADER_BYTES} allowed for one header`));
  const longName = await rawArchive([
    rawHeader("././@LongLink", octal(2 * MAX_HEADER_BYTES), "L"),
    blocks(new Uint8Array(2 * MAX_HEADER_BYTES).fill(0x61)),
    rawHeader("f", octal(1)),
    blocks("f"),
  ]);
  await refused(longName, /an extended header of 8388608 bytes, more than the 4194304 allowed/);
});

Deno.test("archive: archives GNU tar makes (gnu and pax formats, long names) unpack", async () => {
  if (!await gnuTarList(await rawArchive([]))) return; // no tar here
  const src = await Deno.makeTempDir();
  const long = `${"d".repeat(120)}/${"f".repeat(110)}.txt`;
  await Deno.mkdir(join(src, "d".repeat(120)));
  await Deno.writeTextFile(join(src, long), "long");
  await Deno.writeTextFile(join(src, "a.txt"), "a");
  for (const format of ["gnu", "pax", "ustar"]) {
    const archive = join(await Deno.makeTempDir(), `${format}.tar.gz`);
    const r = await new Deno.Command("tar", {
      args: [`--format=${format}`, "-czf", archive, "-C", src, "a.txt", long],
      stderr: "piped",
    }).output();
    if (format === "ustar") {
      // ustar cannot hold a 235-character name: GNU tar says so.
      assert.notEqual(r.code, 0);
      continue;
    }
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    const { dest } = await sandbox();
    assert.deepEqual((await extractTarGz(archive, dest)).files, ["a.txt", long], format);
  }
});
