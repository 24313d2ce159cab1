/**
 * amr.ts: the target options a bundle may give (`reproduce --compare-bundle`, issue 19, item 4):
 * names and bounded values only, never a path.
 */
import assert from "node:assert/strict";
import { resolveTarget, TARGET_OPTIONS } from "../amr.ts";
import { bundleTargetOptions } from "../pipeline/cli/bundle.ts";
import type { Project } from "../pipeline/mod.ts";

const noCli = { getOptionValueSource: () => undefined };
const amr = { targetOptions: TARGET_OPTIONS } as Project;

Deno.test("amr: bundle.json's target options refuse paths and odd values from a bundle", () => {
  const take = (targetOptions: Record<string, string | string[]>) =>
    bundleTargetOptions(amr, {}, { targetOptions }, noCli);
  assert.deepEqual(
    take({
      dataset: "synthetic",
      profile: "smoke",
      set: ["models.amr.eps=0.2"],
      seeds: "2",
      backend: "webgpu",
    }),
    {
      dataset: "synthetic",
      dataDir: undefined,
      profile: "smoke",
      set: ["models.amr.eps=0.2"],
      init: undefined,
      backend: "webgpu",
      seeds: "2",
      seedsVary: undefined,
    },
  );
  assert.equal(take({ seedsVary: "data" }).seedsVary, "data");
  assert.throws(() => take({ seedsVary: "everything" }), /--seeds-vary is refused/);
  for (const profile of ["/dev/zero", "/etc/shadow", "../../etc/shadow", "profile:/dev/zero"]) {
    assert.throws(() => take({ profile }), /--profile is refused/);
  }
  assert.throws(() => take({ dataDir: "/etc" }), /--data-dir is refused .*never taken/);
  assert.throws(() => take({ dataset: "../x" }), /--dataset is refused/);
  assert.throws(() => take({ set: ["a=1\nb=2"] }), /--set is refused/);
  assert.throws(() => take({ init: "/etc/shadow" }), /--init is refused/);
  assert.throws(() => take({ seeds: "1e9" }), /--seeds is refused/);
  assert.throws(() => take({ backend: "cuda" }), /--backend is refused/);
});

Deno.test("amr: --seeds-vary data gets its own results folder and fact; training keeps today's", async () => {
  const smoke = { dataset: "smoke", profile: "smoke", seeds: "3" };
  const training = await resolveTarget(smoke);
  const explicit = await resolveTarget({ ...smoke, seedsVary: "training" });
  assert.equal(training.name, "smoke--smoke+seeds3");
  assert.equal(training.meta.seedsVary, undefined);
  assert.deepEqual(explicit.nodes, training.nodes);
  assert.equal(explicit.resultsDir, training.resultsDir);
  const data = await resolveTarget({ ...smoke, seedsVary: "data" });
  assert.equal(data.name, "smoke--smoke+seeds3-data");
  assert.ok(data.resultsDir.endsWith("/results/smoke/smoke+seeds3-data"));
  assert.equal(data.meta.seedsVary, "data");
  assert.ok(data.nodes.some((n) => n.id === "split#seed=2"));
  // One seed redraws nothing: the plain run, whatever --seeds-vary says.
  const one = await resolveTarget({ ...smoke, seeds: "1", seedsVary: "data" });
  assert.equal(one.name, "smoke--smoke");
  await assert.rejects(
    () => resolveTarget({ ...smoke, seedsVary: "all" }),
    /--seeds-vary: expected one of training, data, got "all"/,
  );
});

Deno.test("amr: tune.reference naming itself, no profile or an untuned one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amr-reference-" });
  try {
    const profile = async (name: string, reference: string) => {
      const path = `${dir}/${name}.json`;
      await Deno.writeTextFile(
        path,
        JSON.stringify({ extends: "paper-lite", name, description: "x", tune: { reference } }),
      );
      return path;
    };
    const target = (path: string) => resolveTarget({ dataset: "smoke", profile: path });
    await assert.rejects(
      () => profile("selfish", "selfish").then(target),
      /profile selfish: tune\.reference names the profile itself/,
    );
    await assert.rejects(
      () => profile("lost", "no-such-profile").then(target),
      /profile lost: tune\.reference "no-such-profile": /,
    );
    // smoke tunes nothing: said in the comparison, planning goes on.
    const t = await target(await profile("vs-smoke", "smoke"));
    const compare = t.nodes.find((n) => n.id === "tune-compare")!;
    const ref = (compare.params as { reference: { unavailable?: string } }).reference;
    assert.equal(ref.unavailable, "smoke does not tune its hyper-parameters");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
