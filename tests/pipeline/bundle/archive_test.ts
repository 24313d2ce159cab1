/**
 * Untrusted `.tar.gz` archives: a round trip keeps names and bytes; every unsafe entry (absolute
 * path, `..`, symlink, hard link, devices, FIFO, a name given twice) is refused naming the entry
 * with nothing written outside the destination; sizes past the limit (a decompression bomb)
 * and too many entries are refused while streaming; nothing unpacked is executable.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createGzip } from "node:zlib";
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
// @ts-types="npm:@types/tar-stream@3.1.4"
import tar from "tar-stream";
import {
  checkName,
  DEFAULT_LIMITS,
  extractTarGz,
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
