/**
 * Bundles of a real run (the word-counter project: words -> count): a clean bundle verifies,
 * also against the checkout's code; each tampering a reviewer must catch is reported with the
 * file it concerns: a flipped byte, a removed entry, a manifest edited to hide a changed
 * output, an output (and its whole entry) swapped in from another run; an unsafe archive is
 * refused without writing outside the verifier's temporary folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createBundle } from "../../../pipeline/bundle/bundle.ts";
import {
  type BundleVerifyReport,
  compareCode,
  verifyBundle,
  verifyBundleDir,
} from "../../../pipeline/bundle/verify.ts";
import { extractTarGz } from "../../../pipeline/bundle/archive.ts";
// @ts-types="npm:@types/tar-stream@3.1.4"
import tar from "tar-stream";
import { createGzip } from "node:zlib";
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { CodeHasher } from "../../../pipeline/graph/code_hash.ts";
import { reproduceTarget } from "../../../pipeline/run/reproduce.ts";
import { Store } from "../../../pipeline/store/store.ts";
import { sha256 } from "../../../pipeline/stage/hash.ts";
import type { Manifest } from "../../../pipeline/stage/manifest.ts";
import { wordCountProject } from "../second_project/project.ts";
import { ROOT } from "../engine_helpers.ts";

interface Run {
  dir: string; // unpacked bundle
  words: string; // key of the words entry
  count: string; // key of the count entry
}

const root = await Deno.makeTempDir({ prefix: "bundle-test-" });
const project = wordCountProject(join(root, "artifacts"));
const store = new Store(project.artifactsRoot);

/** Runs the word counter on `text`, bundles the run and unpacks the bundle. */
async function bundled(text: string): Promise<Run & { archive: string }> {
  const options = { text, case: "fold" };
  const target = await project.resolveTarget(options);
  const report = await reproduceTarget(project, target, {});
  const key = (id: string) => report.outcomes.find((o) => o.id === id)!.key!;
  const archive = join(root, `${sha256(text).slice(0, 8)}.tar.gz`);
  await createBundle(project, target, store, { out: archive, targetOptions: options });
  const dir = await Deno.makeTempDir({ dir: root });
  await extractTarGz(archive, dir);
  return { dir, archive, words: key("words"), count: key("count") };
}

const A = await bundled("b A b a");
const B = await bundled("x y x");

/** A copy of run A's unpacked bundle to tamper with. */
async function copyOfA(): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: root });
  await new Deno.Command("cp", { args: ["-r", `${A.dir}/.`, dir] }).output();
  return dir;
}

/** What a careful forger does after each change: recompute SHA256SUMS over every file. */
async function resum(dir: string): Promise<void> {
  const lines: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(dir, rel))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(r);
      else if (r !== "SHA256SUMS") lines.push(`${sha256(await Deno.readFile(join(dir, r)))}  ${r}`);
    }
  };
  await walk("");
  await Deno.writeTextFile(join(dir, "SHA256SUMS"), lines.sort().join("\n") + "\n");
}

async function editJson<T>(path: string, edit: (v: T) => void): Promise<void> {
  const v = JSON.parse(await Deno.readTextFile(path)) as T;
  edit(v);
  await Deno.writeTextFile(path, JSON.stringify(v, null, 2) + "\n");
}

async function check(dir: string): Promise<BundleVerifyReport> {
  return (await verifyBundleDir(dir)).report;
}

function problemAbout(r: BundleVerifyReport, file: string, msg: RegExp): void {
  assert.ok(
    r.problems.some((p) => p.file === file && msg.test(p.problem)),
    `no problem on ${file} matching ${msg}; got:\n${
      r.problems.map((p) => `${p.file}: ${p.problem}`).join("\n")
    }`,
  );
}

Deno.test("bundle: a clean bundle verifies from the archive, and against the checkout's code", async () => {
  const r = await verifyBundle(A.archive, {
    checkout: { root: ROOT, hasher: await CodeHasher.load([project.entry], ROOT) },
  });
  assert.deepEqual(r.problems, []);
  assert.equal(r.entries, 2);
  assert.equal(
    r.info?.target,
    (await project.resolveTarget({ text: "b A b a", case: "fold" })).name,
  );
  assert.deepEqual(r.info?.targetOptions, { text: "b A b a", case: "fold" });
  assert.match(r.info?.git.commit ?? "", /^[0-9a-f]{40}$/);
  assert.equal(r.info?.runtime.needs.collation.v, "1");
  assert.deepEqual(r.code?.map((c) => [c.stage, c.same]), [["count", true], ["words", true]]);
  assert.equal(r.code?.[0].module, "tests/pipeline/second_project/stages.ts");
  // Standard tools suffice: SHA256SUMS lists every other file.
  const sums = await Deno.readTextFile(join(A.dir, "SHA256SUMS"));
  for (
    const f of ["bundle.json", "state.json", "results/counts.json", `store/${A.words}/words.txt`]
  ) {
    assert.match(sums, new RegExp(`^[0-9a-f]{64}  ${f.replace(/\./g, "\\.")}$`, "m"));
  }
});

Deno.test("bundle: the checkout comparison names a stage whose modules differ", async () => {
  const { report, manifests } = await verifyBundleDir(A.dir);
  const edited = new Map<string, Manifest>();
  for (const [k, m] of manifests) {
    edited.set(k, {
      ...m,
      code: {
        ...m.code,
        modules: { ...m.code.modules, "tests/pipeline/second_project/stages.ts": "0".repeat(64) },
      },
    });
  }
  const info = { ...report.info!, stages: { ...report.info!.stages } };
  info.stages.words = { ...info.stages.words, code: "f".repeat(64) };
  const code = await compareCode(info, edited, {
    root: ROOT,
    hasher: await CodeHasher.load([project.entry], ROOT),
  });
  const words = code.find((c) => c.stage === "words")!;
  assert.equal(words.same, false);
  assert.deepEqual(words.changed, ["tests/pipeline/second_project/stages.ts"]);
});

Deno.test("bundle: a flipped byte is named (store output and published result)", async () => {
  const dir = await copyOfA();
  const out = join(dir, "store", A.words, "words.txt");
  const bytes = await Deno.readFile(out);
  bytes[0] ^= 1;
  await Deno.writeFile(out, bytes);
  const res = join(dir, "results/counts.json");
  await Deno.writeTextFile(res, (await Deno.readTextFile(res)).replace("2", "3"));
  const r = await check(dir);
  problemAbout(r, `store/${A.words}/words.txt`, /differs from its manifest/);
  problemAbout(r, `store/${A.words}/words.txt`, /differs from SHA256SUMS/);
  problemAbout(r, "results/counts.json", /differs from provenance\.json/);
});

Deno.test("bundle: a removed entry is named by its consumers, the state and bundle.json", async () => {
  const dir = await copyOfA();
  await Deno.remove(join(dir, "store", A.words), { recursive: true });
  await resum(dir);
  const r = await check(dir);
  problemAbout(
    r,
    `store/${A.count}/manifest.json`,
    new RegExp(`input "words" of node "count" comes from entry ${A.words} .*not in the bundle`),
  );
  problemAbout(r, "state.json", new RegExp(`node "words" names entry ${A.words}`));
  problemAbout(r, `store/${A.words}/manifest.json`, /listed in bundle\.json is missing/);
});

Deno.test("bundle: a manifest edited to hide a changed output is caught by the graph", async () => {
  const dir = await copyOfA();
  const out = join(dir, "store", A.words, "words.txt");
  await Deno.writeTextFile(out, "c\nc\nc\n");
  const changed = await Deno.readFile(out);
  await editJson<Manifest>(join(dir, "store", A.words, "manifest.json"), (m) => {
    m.outputs["words.txt"] = { sha256: sha256(changed), size: changed.length };
  });
  await resum(dir);
  const r = await check(dir);
  problemAbout(
    r,
    `store/${A.count}/manifest.json`,
    new RegExp(
      `input "words" of node "count" has sha256 .* but store/${A.words}/words\\.txt is recorded as`,
    ),
  );
  // Editing what the key is made of (here the params) no longer matches the key.
  const dir2 = await copyOfA();
  await editJson<Manifest>(join(dir2, "store", A.words, "manifest.json"), (m) => {
    m.params = { text: "c c c", fold: true };
  });
  await resum(dir2);
  problemAbout(await check(dir2), `store/${A.words}/manifest.json`, /the manifest was edited/);
});

Deno.test("bundle: an output swapped in from another run is caught, even with its whole entry", async () => {
  // The published result alone.
  const dir = await copyOfA();
  await Deno.copyFile(join(B.dir, "results/counts.json"), join(dir, "results/counts.json"));
  await resum(dir);
  problemAbout(await check(dir), "results/counts.json", /differs from provenance\.json/);

  // The count entry of run B in place of run A's, with state, provenance, bundle.json and
  // SHA256SUMS rewritten to match: B's entry still names B's words entry as its input.
  const dir2 = await copyOfA();
  await Deno.remove(join(dir2, "store", A.count), { recursive: true });
  await new Deno.Command("cp", { args: ["-r", join(B.dir, "store", B.count), join(dir2, "store")] })
    .output();
  await Deno.copyFile(join(B.dir, "results/counts.json"), join(dir2, "results/counts.json"));
  await Deno.copyFile(
    join(B.dir, "results/provenance.json"),
    join(dir2, "results/provenance.json"),
  );
  await editJson<{ nodes: Record<string, string> }>(join(dir2, "state.json"), (s) => {
    s.nodes.count = B.count;
  });
  await editJson<{ entries: Record<string, unknown> }>(join(dir2, "bundle.json"), (b) => {
    b.entries[B.count] = b.entries[A.count];
    delete b.entries[A.count];
  });
  await resum(dir2);
  const r = await check(dir2);
  problemAbout(
    r,
    `store/${B.count}/manifest.json`,
    new RegExp(`input "words" of node "count" comes from entry ${B.words} .*not in the bundle`),
  );
});

Deno.test("bundle: an unsafe bundle is refused, its temporary folder removed", async () => {
  const tmp = await Deno.makeTempDir({ dir: root });
  const evil = join(root, "evil.tar.gz");
  const pack = tar.pack();
  const done = pipeline(pack, createGzip(), createWriteStream(evil));
  pack.entry({ name: "../outside.txt" }, "x");
  pack.finalize();
  await done;
  const r = await verifyBundle(evil, { tmpDir: tmp });
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].problem, /refused: entry "\.\.\/outside\.txt": "\.\." in its path/);
  assert.deepEqual([...Deno.readDirSync(tmp)], []);
  assert.ok(![...Deno.readDirSync(root)].some((e) => e.name === "outside.txt"));
});
