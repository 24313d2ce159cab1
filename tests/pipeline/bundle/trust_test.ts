/**
 * A bundle that cannot lie (issue 19, item 1): a consistently forged bundle (a result changed in
 * `results/` and in its entry, the manifest's output hash, `provenance.json`, `SHA256SUMS` and
 * `ROOT` all updated) passes the consistency checks, as it must, but is refused by the published
 * root (`--expect-root`), by the root's SSH signature (`--allowed-signers`) and by rerunning the
 * derived stage from its bundled inputs. Also: links are never packed (item 6) and a module path
 * from `bundle.json` outside the checkout's code is never read (item 4).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createBundle } from "../../../pipeline/bundle/bundle.ts";
import { type BundleVerifyReport, verifyBundle } from "../../../pipeline/bundle/verify.ts";
import { extractTarGz, writeTarGz } from "../../../pipeline/bundle/archive.ts";
import { bundleRoot } from "../../../pipeline/bundle/anchor.ts";
import { checkoutModule } from "../../../pipeline/bundle/recheck.ts";
import { runStageHere } from "../../../pipeline/cli/bundle.ts";
import { CodeHasher } from "../../../pipeline/graph/code_hash.ts";
import { reproduceTarget } from "../../../pipeline/run/reproduce.ts";
import { Store } from "../../../pipeline/store/store.ts";
import { sha256 } from "../../../pipeline/stage/hash.ts";
import type { Manifest } from "../../../pipeline/stage/manifest.ts";
import { wordCountProject } from "../second_project/project.ts";
import { ROOT } from "../engine_helpers.ts";

const root = await Deno.makeTempDir({ prefix: "bundle-trust-test-" });
const project = wordCountProject(join(root, "artifacts"));
const store = new Store(project.artifactsRoot);
const options = { text: "b A b a", case: "fold" };
const target = await project.resolveTarget(options);
const run = await reproduceTarget(project, target, {});
const countKey = run.outcomes.find((o) => o.id === "count")!.key!;
const checkout = { root: ROOT, hasher: await CodeHasher.load([project.entry], ROOT) };
const rerun = { cheap: project.recheck ?? [], run: runStageHere };

const HAS_SSH_KEYGEN = await new Deno.Command("ssh-keygen", { args: ["-?"], stderr: "null" })
  .output().then(() => true, () => false);

/** A signing key and an allowed_signers file that lists it (null without ssh-keygen). */
async function signer(): Promise<{ key: string; allowed: string } | null> {
  if (!HAS_SSH_KEYGEN) return null;
  const key = join(root, "id_ed25519");
  await Deno.remove(key).catch(() => {});
  await Deno.remove(`${key}.pub`).catch(() => {});
  const gen = await new Deno.Command("ssh-keygen", {
    args: ["-q", "-t", "ed25519", "-N", "", "-C", "author", "-f", key],
  }).output();
  assert.equal(gen.code, 0);
  const pub = (await Deno.readTextFile(`${key}.pub`)).trim().split(" ").slice(0, 2).join(" ");
  const allowed = join(root, "allowed_signers");
  await Deno.writeTextFile(allowed, `author@example.org namespaces="bundle-root" ${pub}\n`);
  return { key, allowed };
}

const sig = await signer();
const archive = join(root, "run.tar.gz");
const made = await createBundle(project, target, store, {
  out: archive,
  targetOptions: options,
  ...(sig ? { signKey: sig.key } : {}),
});

/** All files of a folder, relative, sorted. */
async function walk(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(dir, rel))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await walk(dir, r));
    else out.push(r);
  }
  return out.sort();
}

/**
 * The forgery of issue 19, item 1: "b" counted 3 times instead of 2, in the published result
 * and in the count entry's copy; the manifest's output hash, provenance.json, SHA256SUMS and
 * ROOT updated to match. Returns the forged archive.
 */
async function forge(): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: root });
  await extractTarGz(archive, dir);
  const forged = JSON.stringify({ a: 2, b: 3 });
  await Deno.writeTextFile(join(dir, "results/counts.json"), forged);
  await Deno.writeTextFile(join(dir, `store/${countKey}/counts.json`), forged);
  const mPath = join(dir, `store/${countKey}/manifest.json`);
  const m = JSON.parse(await Deno.readTextFile(mPath)) as Manifest;
  m.outputs["counts.json"] = { sha256: sha256(forged), size: forged.length };
  await Deno.writeTextFile(mPath, JSON.stringify(m, null, 2) + "\n");
  const pPath = join(dir, "results/provenance.json");
  const prov = JSON.parse(await Deno.readTextFile(pPath));
  prov.items["counts.json"].sha256 = sha256(forged);
  await Deno.writeTextFile(pPath, JSON.stringify(prov, null, 2) + "\n");
  const skip = new Set(["SHA256SUMS", "ROOT", "ROOT.sig"]);
  const files = (await walk(dir)).filter((f) => !skip.has(f));
  const sums = await Promise.all(
    files.map(async (f) => `${sha256(await Deno.readFile(join(dir, f)))}  ${f}`),
  );
  const sumsText = sums.join("\n") + "\n";
  await Deno.writeTextFile(join(dir, "SHA256SUMS"), sumsText);
  await Deno.writeTextFile(join(dir, "ROOT"), `${bundleRoot(sumsText)}\n`);
  const out = join(root, `forged-${crypto.randomUUID().slice(0, 8)}.tar.gz`);
  await writeTarGz(out, (await walk(dir)).map((f) => ({ name: f, path: join(dir, f) })));
  return out;
}

function problems(r: BundleVerifyReport): string[] {
  return r.problems.map((p) => `${p.file}: ${p.problem}`);
}

Deno.test("bundle root: printed, recorded in ROOT, recomputable as the SHA-256 of SHA256SUMS", async () => {
  const dir = await Deno.makeTempDir({ dir: root });
  await extractTarGz(archive, dir);
  const sums = await Deno.readFile(join(dir, "SHA256SUMS"));
  assert.equal(made.root, sha256(sums));
  assert.equal(await Deno.readTextFile(join(dir, "ROOT")), `${made.root}\n`);
  // What docs/trust.md tells a reviewer to run.
  const out = await new Deno.Command("sh", {
    args: ["-c", "sha256sum -c --quiet SHA256SUMS && sha256sum SHA256SUMS | cut -c1-64"],
    cwd: dir,
    stdout: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(out.stdout).trim(), made.root);
  const r = await verifyBundle(archive, { expectRoot: made.root, checkout, rerun });
  assert.deepEqual(problems(r), []);
  assert.equal(r.root, made.root);
  assert.deepEqual(r.reruns?.map((x) => [x.node, x.status]), [["count", "same"]]);
});

Deno.test("bundle: a consistently forged bundle passes the consistency checks alone", async () => {
  // What verify --bundle proves without an anchor and without a rerun: consistency, no more.
  const r = await verifyBundle(await forge());
  assert.deepEqual(problems(r), []);
  assert.notEqual(r.root, made.root);
});

Deno.test("bundle: the forged bundle is refused by the published root", async () => {
  const r = await verifyBundle(await forge(), { expectRoot: made.root });
  assert.equal(r.problems.length, 1, problems(r).join("\n"));
  assert.match(r.problems[0].problem, new RegExp(`is not the expected ${made.root}`));
});

Deno.test("bundle: the forged bundle is refused by rerunning the derived stage from its inputs", async () => {
  const r = await verifyBundle(await forge(), { checkout, rerun });
  assert.deepEqual(r.reruns?.map((x) => [x.node, x.why, x.status]), [[
    "count",
    "cheap",
    "differs",
  ]]);
  assert.deepEqual(r.problems.map((p) => p.file), [`store/${countKey}/counts.json`]);
  assert.match(r.problems[0].problem, /rerunning stage "count".*gives sha256/);
});

Deno.test("bundle: --rerun-stage and --rerun re-execute other stages, byte-identical on a true bundle", async () => {
  const named = await verifyBundle(archive, { checkout, rerun: { ...rerun, named: ["words"] } });
  assert.deepEqual(problems(named), []);
  assert.deepEqual(
    named.reruns?.map((x) => [x.node, x.why, x.status]).sort(),
    [["count", "cheap", "same"], ["words", "named", "same"]],
  );
  const random = await verifyBundle(archive, {
    checkout,
    rerun: { cheap: [], random: 5, run: runStageHere },
  });
  assert.deepEqual(random.reruns?.map((x) => x.why), ["random", "random"]);
  assert.deepEqual(problems(random), []);
});

Deno.test({
  name: "bundle: a signed root verifies against allowed signers; the forged bundle does not",
  ignore: !HAS_SSH_KEYGEN,
  async fn() {
    const good = await verifyBundle(archive, { allowedSigners: sig!.allowed });
    assert.deepEqual(problems(good), []);
    assert.equal(good.signer, "author@example.org");
    const bad = await verifyBundle(await forge(), { allowedSigners: sig!.allowed });
    assert.deepEqual(bad.problems.map((p) => p.file), ["ROOT.sig"]);
    assert.match(bad.problems[0].problem, /does not sign root/);
  },
});
if (!HAS_SSH_KEYGEN) console.warn("ssh-keygen not found: the signature test is skipped");

Deno.test("bundle: a module path from bundle.json outside the checkout's code is never read", () => {
  for (const m of ["/etc/shadow", "../../etc/shadow", "/dev/zero", "deno.json", "README.md", ""]) {
    assert.equal(checkoutModule(checkout, m), null, m);
  }
  assert.ok(checkoutModule(checkout, "tests/pipeline/second_project/stages.ts"));
});

Deno.test("bundle: an output replaced by a link (hash updated) is never packed", async () => {
  const base = await Deno.makeTempDir({ prefix: "bundle-link-test-" });
  const p = wordCountProject(join(base, "artifacts"));
  const s = new Store(p.artifactsRoot);
  const opts = { text: "x y", case: "fold" };
  const t = await p.resolveTarget(opts);
  const r = await reproduceTarget(p, t, {});
  const key = r.outcomes.find((o) => o.id === "words")!.key!;
  const secret = join(base, "secret");
  await Deno.writeTextFile(secret, "x\ny\n");
  const file = s.outputPath(key, "words.txt");
  await Deno.remove(file);
  await Deno.symlink(secret, file);
  await assert.rejects(
    createBundle(p, t, s, { out: join(base, "b.tar.gz"), targetOptions: opts }),
    /words\.txt: not a regular file/,
  );
});

Deno.test("bundle: a truncated archive is refused with a problem, and its temporary folder removed", async () => {
  const big = new Uint8Array(3_000_000);
  crypto.getRandomValues(big.subarray(0, 65536));
  const whole = join(root, "big.tar.gz");
  await writeTarGz(whole, Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, data: big })));
  const bytes = await Deno.readFile(whole);
  for (const cut of [0.1, 0.5, 0.9]) {
    const file = join(root, `cut-${cut}.tar.gz`);
    await Deno.writeFile(file, bytes.subarray(0, Math.floor(bytes.length * cut)));
    const tmpDir = await Deno.makeTempDir({ dir: root });
    const r = await verifyBundle(file, { tmpDir });
    assert.deepEqual(r.problems.map((p) => p.file), [file]);
    assert.match(r.problems[0].problem, /refused: .*not a readable \.tar\.gz/);
    assert.deepEqual([...Deno.readDirSync(tmpDir)], [], "nothing left behind");
  }
});
