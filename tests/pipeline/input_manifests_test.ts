import assert from "node:assert/strict";
import { buildGraph, run, tempStore, toyNodes } from "./engine_helpers.ts";
import { provenance } from "./provenance_stage.ts";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { source } from "./toy_stages.ts";

function nodes(): NodeSpec[] {
  return [...toyNodes(), {
    id: "prov",
    stage: provenance,
    params: {},
    inputs: {
      scaled: { node: "scale", output: "scaled.txt" },
      total: { node: "sum", output: "sum.json" },
    },
    seed: 4,
  }];
}

for (const jobs of [1, 2]) {
  Deno.test(`inputManifests: a stage that asks gets its inputs' manifests (jobs ${jobs})`, async () => {
    const store = await tempStore();
    const report = await run(buildGraph(nodes()), store, { jobs });
    const key = (id: string) => report.outcomes.find((o) => o.id === id)!.key!;
    const seen = JSON.parse(await Deno.readTextFile(store.outputPath(key("prov"), "seen.json")));
    assert.deepEqual(seen, {
      scaled: {
        node: "scale",
        stage: "toy-scale",
        key: key("scale"),
        params: { factor: 2, crash: false },
        writable: false,
      },
      total: { node: "sum", stage: "toy-sum", key: key("sum"), params: {}, writable: false },
    });
  });
}

Deno.test("inputManifests: stages that do not ask get none", async () => {
  let got: unknown = "unset";
  const probe = {
    ...source,
    run: async (ctx: Parameters<typeof source.run>[0]) => {
      got = ctx.inputManifests;
      await source.run(ctx);
    },
  };
  const store = await tempStore();
  await run(
    buildGraph([{ id: "source", stage: probe, params: { n: 2 }, inputs: {}, seed: 1 }]),
    store,
  );
  assert.equal(got, undefined);
});
