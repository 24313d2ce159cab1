/**
 * Published runs (pipeline/metrics/runs.ts): each results folder with a `provenance.json`, with
 * how many of its store entries are still present; an entry that cannot be looked at (here a
 * file where its folder should be) is reported, not counted as removed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { listRuns } from "../../../pipeline/metrics/runs.ts";
import { Store } from "../../../pipeline/store/store.ts";

const hex = (c: string) => c.repeat(64);

async function publish(root: string, keys: string[]): Promise<Store> {
  const store = new Store(root);
  const dir = join(root, "results", "t");
  await Deno.mkdir(dir, { recursive: true });
  const items = Object.fromEntries(keys.map((key, i) => [`f${i}`, { key }]));
  await Deno.writeTextFile(
    join(dir, "provenance.json"),
    JSON.stringify({ target: "t", generatedAt: "2026-01-01T00:00:00Z", items }),
  );
  return store;
}

Deno.test("runs: entries present and entries removed by gc", async () => {
  const root = await Deno.makeTempDir({ prefix: "engine-runs-" });
  const store = await publish(root, [hex("a"), hex("b")]);
  await Deno.mkdir(store.entryDir(hex("a")), { recursive: true });
  await Deno.writeTextFile(join(store.entryDir(hex("a")), "manifest.json"), "{}");
  const [run, ...rest] = await listRuns(store);
  assert.equal(rest.length, 0);
  assert.equal(run.target, "t");
  assert.equal(run.entries, 2);
  assert.equal(run.present, 1);
});

Deno.test("runs: an entry that cannot be looked at is reported, not taken as removed", async () => {
  const root = await Deno.makeTempDir({ prefix: "engine-runs-" });
  const store = await publish(root, [hex("a")]);
  // A regular file where the entry's folder should be: stat fails with ENOTDIR, even for root.
  await Deno.mkdir(join(store.entryDir(hex("a")), ".."), { recursive: true });
  await Deno.writeTextFile(store.entryDir(hex("a")), "");
  await assert.rejects(listRuns(store), Deno.errors.NotADirectory);
});
