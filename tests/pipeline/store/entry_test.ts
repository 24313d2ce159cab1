/**
 * A store that cannot be tricked (issue 19, items 5-8): an entry copied over another key, a
 * link planted as an output or as an entry folder, a truncated manifest.json are each named by
 * `verify`, never reused by a run (quarantined and rebuilt), never packed; entries get explicit
 * modes whatever the umask.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { graphStatus } from "../../../pipeline/graph/status.ts";
import { CorruptEntry, manifestProblems } from "../../../pipeline/store/entry.ts";
import { repairStore, verifyStore } from "../../../pipeline/store/verify.ts";
import { sha256 } from "../../../pipeline/stage/hash.ts";
import type { Manifest } from "../../../pipeline/stage/manifest.ts";
import {
  buildGraph,
  run,
  RUNTIME,
  statuses,
  tempStore,
  toyHasher,
  toyNodes,
} from "../engine_helpers.ts";
import type { Store } from "../../../pipeline/store/store.ts";

function keyOf(report: { outcomes: { id: string; key: string | null }[] }, id: string): string {
  return report.outcomes.find((o) => o.id === id)!.key!;
}

async function editManifest(store: Store, key: string, edit: (m: Manifest) => void) {
  const path = join(store.entryDir(key), "manifest.json");
  const m = JSON.parse(await Deno.readTextFile(path)) as Manifest;
  edit(m);
  await Deno.writeTextFile(path, JSON.stringify(m, null, 2) + "\n");
}

Deno.test("store: an entry copied over another key is never reused, and verify names it", async () => {
  const store = await tempStore();
  const two = await run(buildGraph(toyNodes({ factor: 2 })), store);
  const three = await run(buildGraph(toyNodes({ factor: 3 })), store);
  const k2 = keyOf(two, "scale");
  const k3 = keyOf(three, "scale");
  const good = await Deno.readFile(store.outputPath(k2, "scaled.txt"));
  // scale(factor 2)'s folder replaced by scale(factor 3)'s, as eval-amr's by eval-vbpr's.
  await Deno.remove(store.entryDir(k2), { recursive: true });
  await new Deno.Command("cp", { args: ["-r", store.entryDir(k3), store.entryDir(k2)] }).output();

  await assert.rejects(store.readManifest(k2), (e) => {
    assert.ok(e instanceof CorruptEntry);
    assert.match(e.message, new RegExp(`records key ${k3}, but lies in the folder of key ${k2}`));
    return true;
  });
  const v = await verifyStore(store);
  assert.deepEqual(v.problems.map((p) => [p.key, p.problem]), [[k2, "corrupt manifest"]]);

  const lines: string[] = [];
  const again = await run(buildGraph(toyNodes({ factor: 2 })), store, {
    log: (l) => lines.push(l),
  });
  assert.deepEqual(statuses(again), { source: "cached", scale: "ran", sum: "cached" });
  assert.match(lines.join("\n"), /\[scale\] cached entry failed verification: corrupt manifest/);
  assert.deepEqual(await Deno.readFile(store.outputPath(k2, "scaled.txt")), good);
  assert.deepEqual((await verifyStore(store)).problems, []);
});

Deno.test("store: the shared rule names a manifest of another key and an unsafe output name", () => {
  const m = { key: "b".repeat(64), outputs: { "../x": { sha256: "0".repeat(64), size: 1 } } };
  assert.deepEqual(manifestProblems("a".repeat(64), m as unknown as Manifest), [
    `records key ${"b".repeat(64)}, but lies in the folder of key ${"a".repeat(64)} ` +
    `(an entry copied over another key)`,
    `output "../x": ".." in its path`,
  ]);
});

Deno.test("store: an output replaced by a link (hash updated) fails verify, is rebuilt, never read", async () => {
  const store = await tempStore();
  const first = await run(buildGraph(toyNodes()), store);
  const key = keyOf(first, "source");
  const file = store.outputPath(key, "numbers.txt");
  const good = await Deno.readFile(file);
  const secret = join(store.root, "secret.txt");
  await Deno.writeTextFile(secret, "1\n2\n3\n");
  await Deno.remove(file);
  await Deno.symlink(secret, file);
  await editManifest(store, key, (m) => {
    m.outputs["numbers.txt"] = { sha256: sha256("1\n2\n3\n"), size: 6 };
  });

  const v = await verifyStore(store);
  assert.deepEqual(v.problems.map((p) => [p.file, p.problem]), [[file, "not a regular file"]]);
  const again = await run(buildGraph(toyNodes()), store);
  assert.equal(statuses(again).source, "ran");
  assert.ok((await Deno.lstat(file)).isFile);
  assert.deepEqual(await Deno.readFile(file), good);
});

Deno.test("store: an entry folder that is a link is reported by verify, not read by a run", async () => {
  const store = await tempStore();
  const first = await run(buildGraph(toyNodes()), store);
  const key = keyOf(first, "sum");
  const elsewhere = join(store.root, "elsewhere");
  await Deno.rename(store.entryDir(key), elsewhere);
  await Deno.symlink(elsewhere, store.entryDir(key));

  const v = await verifyStore(store);
  assert.deepEqual(v.problems.map((p) => [p.key, p.problem]), [[key, "corrupt manifest"]]);
  assert.match(v.problems[0].actual!, /link/);
  const again = await run(buildGraph(toyNodes()), store);
  assert.equal(statuses(again).sum, "ran");
  assert.ok((await Deno.lstat(store.entryDir(key))).isDirectory);
  // The link was quarantined as it was (moved, never followed): its target is untouched.
  assert.ok((await Deno.lstat(join(elsewhere, "manifest.json"))).isFile);
});

Deno.test("store: a stage that writes a link as an output is refused at commit", async () => {
  const store = await tempStore();
  const first = await run(buildGraph(toyNodes()), store);
  const tmp = await store.makeTemp("f".repeat(64));
  await Deno.symlink(store.outputPath(keyOf(first, "source"), "numbers.txt"), join(tmp, "x"));
  await assert.rejects(store.commit(tmp, "f".repeat(64)), /links are not stored/);
});

Deno.test("store: a truncated manifest.json is named, reported by status and verify, and healed", async () => {
  const store = await tempStore();
  const first = await run(buildGraph(toyNodes()), store);
  const key = keyOf(first, "scale");
  const path = join(store.entryDir(key), "manifest.json");
  const text = await Deno.readTextFile(path);
  await Deno.writeTextFile(path, text.slice(0, text.length / 2));

  await assert.rejects(store.readManifest(key), (e) => {
    assert.ok(e instanceof CorruptEntry);
    assert.ok(e.message.includes(path), e.message);
    assert.match(e.message, /not valid JSON/);
    return true;
  });
  const st = await graphStatus(buildGraph(toyNodes()), {
    store,
    hasher: await toyHasher(),
    runtime: RUNTIME,
    state: { target: "t", nodes: {} } as never,
  });
  const scale = st.find((s) => s.id === "scale")!;
  assert.equal(scale.state, "stale");
  assert.ok(scale.reasons[0].includes(path), scale.reasons[0]);

  const v = await verifyStore(store);
  assert.deepEqual(v.problems.map((p) => [p.file, p.problem]), [[path, "corrupt manifest"]]);
  const actions = await repairStore(store, v);
  assert.equal(actions.length, 1);
  const again = await run(buildGraph(toyNodes()), store);
  assert.deepEqual(statuses(again), { source: "cached", scale: "ran", sum: "cached" });
});

Deno.test("store: a run heals a truncated manifest.json by itself", async () => {
  const store = await tempStore();
  const first = await run(buildGraph(toyNodes()), store);
  const key = keyOf(first, "source");
  const path = join(store.entryDir(key), "manifest.json");
  await Deno.writeTextFile(path, '{\n  "format": 1,\n  "ke');
  const again = await run(buildGraph(toyNodes()), store);
  assert.deepEqual(statuses(again), { source: "ran", scale: "cached", sum: "cached" });
});

Deno.test("store: entries get explicit modes under umask 000, never writable by others", async () => {
  const old = Deno.umask(0o000);
  try {
    const store = await tempStore();
    await run(buildGraph(toyNodes()), store);
    const walk = async (dir: string): Promise<void> => {
      const mode = (await Deno.lstat(dir)).mode! & 0o777;
      assert.equal(mode, 0o775, `${dir}: ${mode.toString(8)}`);
      for await (const e of Deno.readDir(dir)) {
        const p = join(dir, e.name);
        if (e.isDirectory) await walk(p);
        else assert.equal((await Deno.lstat(p)).mode! & 0o777, 0o664, p);
      }
    };
    for (const key of await store.keys()) await walk(store.entryDir(key));
  } finally {
    Deno.umask(old);
  }
});
