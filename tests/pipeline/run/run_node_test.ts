/**
 * `run-node`'s path (pipeline/run/run_node.ts): pending records are untrusted data (a bad field is
 * named, a module outside the project's code or a non-stage export is refused), a record whose
 * key no longer matches the code is refused naming the changed module, and a node is
 * committed once: a second run of the same record finds the entry and runs nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildGraph } from "../../../pipeline/graph/graph.ts";
import { CodeHasher } from "../../../pipeline/graph/code_hash.ts";
import { exportNameOf } from "../../../pipeline/run/execute.ts";
import { nodeKey } from "../../../pipeline/graph/keys.ts";
import { pendingPath, pendingRecord, writePending } from "../../../pipeline/run/pending.ts";
import { silentProgress } from "../../../pipeline/stage/progress.ts";
import { KeyMismatchError, modulePath, runPendingNode } from "../../../pipeline/run/run_node.ts";
import type { Stage } from "../../../pipeline/stage/stage.ts";
import { ROOT, RUNTIME, tempStore, toyHasher, toyNodes } from "../engine_helpers.ts";
import type { Store } from "../../../pipeline/store/store.ts";

async function pendingSource(store: Store) {
  const hasher = await toyHasher();
  const node = buildGraph(toyNodes()).byId.get("source")!;
  const nk = (await nodeKey(node, new Map(), { hasher, runtime: RUNTIME }))!;
  const record = pendingRecord(node, nk, {
    module: modulePath(ROOT, node.stage.module),
    exportName: await exportNameOf(node.stage),
  });
  await writePending(store, record);
  return { hasher, record, key: nk.key };
}

function ctx(store: Store, hasher: CodeHasher, extra: { stage?: Stage } = {}) {
  return {
    store,
    hasher,
    runtime: RUNTIME,
    log: () => {},
    progress: () => silentProgress,
    ...extra,
  };
}

Deno.test("run-node commits a pending node once; the record names the module relatively", async () => {
  const store = await tempStore();
  const { hasher, record, key } = await pendingSource(store);
  assert.equal(record.module, "tests/pipeline/toy_stages.ts");
  assert.equal(record.export, "source");
  const first = await runPendingNode(key, ctx(store, hasher));
  assert.equal(first.ran, true);
  assert.equal((await store.readManifest(key))?.node, "source");
  await assert.rejects(Deno.stat(pendingPath(store, key)), Deno.errors.NotFound);
  await writePending(store, record);
  const again = await runPendingNode(key, ctx(store, hasher));
  assert.equal(again.ran, false);
  // Entries follow the user's umask, never world-writable.
  const mask = Deno.umask();
  assert.equal((await Deno.stat(store.entryDir(key))).mode! & 0o777, 0o777 & ~mask);
  for (const f of ["manifest.json", "numbers.txt"]) {
    const mode = (await Deno.stat(join(store.entryDir(key), f))).mode! & 0o777;
    assert.equal(mode, 0o666 & ~mask, f);
  }
});

Deno.test("pending records are validated: bad fields, foreign modules, non-stage exports", async () => {
  const store = await tempStore();
  const { hasher, record, key } = await pendingSource(store);
  const write = (r: unknown) => Deno.writeTextFile(pendingPath(store, key), JSON.stringify(r));
  await write({ ...record, seed: "1" });
  await assert.rejects(runPendingNode(key, ctx(store, hasher)), /field seed: /);
  await write({ ...record, module: "/etc/passwd.ts" });
  await assert.rejects(runPendingNode(key, ctx(store, hasher)), /field module: /);
  await write({ ...record, module: "../outside.ts" });
  await assert.rejects(runPendingNode(key, ctx(store, hasher)), /field module: /);
  await write({ ...record, module: "main.ts", export: "stage" });
  await assert.rejects(runPendingNode(key, ctx(store, hasher)), /not part of the project's code/);
  await write({ ...record, module: "pipeline/stage/hash.ts", export: "sha256" });
  await assert.rejects(runPendingNode(key, ctx(store, hasher)), /exports no stage "toy-source"/);
  await write({ ...record, export: "runs" });
  await assert.rejects(runPendingNode(key, ctx(store, hasher)), /exports no stage "toy-source"/);
  await write({ ...record, params: { n: "five" } });
  await assert.rejects(runPendingNode(key, ctx(store, hasher)), /params\.n: /);
  await write({ ...record, extra: 1 });
  await assert.rejects(runPendingNode(key, ctx(store, hasher)), /extra/);
  await assert.rejects(runPendingNode("../x", ctx(store, hasher)), /not a node key/);
  assert.equal(await store.readManifest(key), null);
});

Deno.test("a record whose key the code no longer gives is refused, naming the module", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amr-run-node-" });
  const stageSrc = `
import { z } from "zod";
import { join } from "node:path";
import { defineStage } from "${new URL("../../../pipeline/stage/stage.ts", import.meta.url).href}";
import { value } from "./helper.ts";
export const stage = defineStage({
  name: "edited", module: import.meta.url, params: z.object({}), inputs: [], outputs: ["v.txt"],
  async run({ outDir }) { await Deno.writeTextFile(join(outDir, "v.txt"), String(value())); },
});
`;
  await Deno.writeTextFile(join(dir, "stage.ts"), stageSrc);
  await Deno.writeTextFile(join(dir, "helper.ts"), "export function value() { return 1; }\n");
  const url = `file://${join(dir, "stage.ts")}`;
  const { stage } = await import(url) as { stage: Stage };
  const config = join(ROOT, "deno.json");
  const h1 = await CodeHasher.load([url], ROOT, config);
  const node = buildGraph([{ id: "edited", stage, params: {}, inputs: {}, seed: 1 }]).order[0];
  const nk = (await nodeKey(node, new Map(), { hasher: h1, runtime: RUNTIME }))!;
  const store = await tempStore();
  await writePending(store, pendingRecord(node, nk, { module: url, exportName: "stage" }));
  await Deno.writeTextFile(join(dir, "helper.ts"), "export function value() { return 2; }\n");
  const h2 = await CodeHasher.load([url], ROOT, config);
  const err = await runPendingNode(nk.key, ctx(store, h2, { stage })).catch((e) => e);
  assert.ok(err instanceof KeyMismatchError, String(err));
  assert.match(err.message, /refusing to run node "edited".*code changed: .*helper\.ts/);
  assert.equal(await store.readManifest(nk.key), null);
});
