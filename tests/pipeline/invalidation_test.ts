import assert from "node:assert/strict";
import { join } from "node:path";
import { CodeHasher } from "../../pipeline/graph/code_hash.ts";
import { buildGraph } from "../../pipeline/graph/graph.ts";
import type { Stage } from "../../pipeline/stage/stage.ts";
import { runGraph } from "../../pipeline/run/runner.ts";
import { graphStatus } from "../../pipeline/graph/status.ts";
import { readState, recordState } from "../../pipeline/store/state.ts";
import { silentProgress } from "../../pipeline/stage/progress.ts";
import { ROOT, RUNTIME, tempStore, toyHasher, toyNodes } from "./engine_helpers.ts";

const STAGE_SRC = `
import { z } from "zod";
import { join } from "node:path";
import { defineStage } from "${new URL("../../pipeline/stage/stage.ts", import.meta.url).href}";
import { value } from "./helper.ts";
export const stage = defineStage({
  name: "edited", module: import.meta.url, params: z.object({}), inputs: [], outputs: ["v.txt"],
  async run({ outDir }) { await Deno.writeTextFile(join(outDir, "v.txt"), String(value())); },
});
`;

async function writeModules(dir: string, helperBody: string): Promise<void> {
  await Deno.writeTextFile(join(dir, "stage.ts"), STAGE_SRC);
  await Deno.writeTextFile(
    join(dir, "helper.ts"),
    `export function value(): number { ${helperBody} }\n`,
  );
}

Deno.test("editing a local module a stage imports invalidates that stage", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amr-code-" });
  await writeModules(dir, "return 1;");
  const url = `file://${join(dir, "stage.ts")}`;
  const { stage } = await import(url) as { stage: Stage };
  const nodes = [{ id: "edited", stage, params: {}, inputs: {}, seed: 1 }];
  const store = await tempStore();
  const config = join(ROOT, "deno.json");
  const opts = { store, runtime: RUNTIME, log: () => {}, progress: () => silentProgress };
  const h1 = await CodeHasher.load([url], ROOT, config);
  const r1 = await runGraph(buildGraph(nodes), null, { ...opts, hasher: h1 });
  assert.equal(r1.outcomes[0].status, "ran");
  const mods = Object.keys(r1.outcomes[0].manifest!.code.modules);
  assert.ok(mods.some((m) => m.endsWith("/helper.ts")), `helper.ts in ${mods}`);
  assert.ok(mods.includes("pipeline/stage/stage.ts"), `pipeline/stage/stage.ts in ${mods}`);
  const again = await runGraph(buildGraph(nodes), null, {
    ...opts,
    hasher: await CodeHasher.load([url], ROOT, config),
  });
  assert.equal(again.outcomes[0].status, "cached");
  await recordState(store.root, "t", { edited: r1.outcomes[0].key! });

  await writeModules(dir, "return 2; // edited");
  const h2 = await CodeHasher.load([url], ROOT, config);
  const st = await graphStatus(buildGraph(nodes), {
    store,
    hasher: h2,
    runtime: RUNTIME,
    state: await readState(store.root, "t"),
  });
  assert.equal(st[0].state, "stale");
  assert.match(st[0].reasons.join("\n"), /code changed: .*helper\.ts/);
  const r2 = await runGraph(buildGraph(nodes), null, { ...opts, hasher: h2 });
  assert.equal(r2.outcomes[0].status, "ran");
  assert.notEqual(r2.outcomes[0].key, r1.outcomes[0].key);
});

Deno.test("status explains a parameter change and marks only downstream stale", async () => {
  const store = await tempStore();
  const hasher = await toyHasher();
  const opts = { store, hasher, runtime: RUNTIME, log: () => {}, progress: () => silentProgress };
  const r = await runGraph(buildGraph(toyNodes({ factor: 2 })), null, opts);
  await recordState(store.root, "toy", Object.fromEntries(r.outcomes.map((o) => [o.id, o.key!])));
  const state = await readState(store.root, "toy");
  const fresh = await graphStatus(buildGraph(toyNodes({ factor: 2 })), { ...opts, state });
  assert.deepEqual(fresh.map((s) => s.state), ["fresh", "fresh", "fresh"]);
  const st = await graphStatus(buildGraph(toyNodes({ factor: 5 })), { ...opts, state });
  assert.deepEqual(st.map((s) => [s.id, s.state]), [["source", "fresh"], ["scale", "stale"], [
    "sum",
    "stale",
  ]]);
  assert.deepEqual(st[1].reasons, ["params.factor changed: 2 -> 5"]);
  assert.deepEqual(st[2].reasons, ['input "scaled": upstream "scale" is stale']);
});
