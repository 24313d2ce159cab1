import assert from "node:assert/strict";
import { Store } from "../../../pipeline/store/store.ts";
import { verifyStore } from "../../../pipeline/store/verify.ts";
import { collectGarbage } from "../../../pipeline/store/gc.ts";
import { recordState } from "../../../pipeline/store/state.ts";
import { buildGraph, run, tempStore, toyNodes } from "../engine_helpers.ts";

Deno.test("two concurrent processes do not corrupt an entry", async () => {
  const root = await Deno.makeTempDir({ prefix: "amr-race-" });
  const script = new URL("../toy_run.ts", import.meta.url).pathname;
  const spawn = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, root],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const [a, b] = await Promise.all([spawn(), spawn()]);
  for (const r of [a, b]) assert.ok(r.success, new TextDecoder().decode(r.stderr));
  const ra = JSON.parse(new TextDecoder().decode(a.stdout)) as [string, string, string][];
  const rb = JSON.parse(new TextDecoder().decode(b.stdout)) as [string, string, string][];
  assert.deepEqual(ra.map((x) => x[2]), rb.map((x) => x[2]), "same keys");
  for (let i = 0; i < ra.length; i++) {
    assert.ok(ra[i][1] === "cached" || rb[i][1] === "cached", `node ${ra[i][0]} produced once`);
  }
  const store = new Store(root);
  assert.equal((await store.keys()).length, 3);
  assert.deepEqual((await verifyStore(store)).problems, []);
});

Deno.test("a lock waits for its holder and reports a timeout clearly", async () => {
  const store = await tempStore();
  const key = "a".repeat(64);
  const held = await store.lock(key);
  await assert.rejects(store.lock(key, { timeoutMs: 300, pollMs: 50 }), /is locked by process \d+/);
  setTimeout(() => held.release(), 200);
  const second = await store.lock(key, { timeoutMs: 5000, pollMs: 50 });
  await second.release();
});

Deno.test("a lock left by a dead process is taken over", async () => {
  const store = await tempStore();
  const key = "b".repeat(64);
  await Deno.mkdir(store.dir, { recursive: true });
  await Deno.writeTextFile(
    `${store.dir}/${key}.lock`,
    JSON.stringify({ pid: 999999999, host: Deno.hostname() }),
  );
  const l = await store.lock(key, { timeoutMs: 1000 });
  await l.release();
});

Deno.test("gc keeps entries a recorded state uses and drops the rest", async () => {
  const store = await tempStore();
  const r1 = await run(buildGraph(toyNodes({ factor: 2 })), store);
  await run(buildGraph(toyNodes({ factor: 3 })), store);
  await recordState(store.root, "t", Object.fromEntries(r1.outcomes.map((o) => [o.id, o.key!])));
  await Deno.mkdir(store.tmpDir, { recursive: true });
  await Deno.mkdir(`${store.tmpDir}/leftover`);
  const dry = await collectGarbage(store, { dryRun: true });
  assert.equal(dry.removed.length, 2);
  assert.equal((await store.keys()).length, 5);
  const r = await collectGarbage(store);
  assert.deepEqual({ kept: r.kept, removed: r.removed.length, tmp: r.temporaries }, {
    kept: 3,
    removed: 2,
    tmp: 1,
  });
  assert.deepEqual((await store.keys()).sort(), r1.outcomes.map((o) => o.key!).sort());
});

Deno.test("gc removes orphaned checkpoints and keeps those of interrupted runs", async () => {
  const store = await tempStore();
  const r = await run(buildGraph(toyNodes()), store);
  await recordState(store.root, "t", Object.fromEntries(r.outcomes.map((o) => [o.id, o.key!])));
  const committed = r.outcomes[0].key!;
  const interrupted = "f".repeat(64);
  await Deno.mkdir(store.checkpointDir, { recursive: true });
  await Deno.writeTextFile(store.checkpointPath(committed), "x");
  await Deno.writeTextFile(store.checkpointPath(interrupted), "x");
  await Deno.writeTextFile(`${store.checkpointPath(interrupted)}.tmp-1234`, "x");
  const g = await collectGarbage(store);
  assert.deepEqual(g.checkpointsRemoved, [
    store.checkpointPath(committed),
    `${store.checkpointPath(interrupted)}.tmp-1234`,
  ]);
  assert.equal(g.checkpointsKept, 1);
  assert.deepEqual((await store.checkpoints()).keys, [interrupted]);
});

Deno.test("a corrupt manifest is reported, not trusted", async () => {
  const store = await tempStore();
  const r = await run(buildGraph(toyNodes()), store);
  const key = r.outcomes[0].key!;
  await Deno.writeTextFile(`${store.entryDir(key)}/manifest.json`, '{"format": 1}');
  await assert.rejects(store.readManifest(key), /corrupt manifest/);
  const v = await verifyStore(store);
  assert.equal(v.problems[0].problem, "corrupt manifest");
});
