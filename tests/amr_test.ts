/**
 * amr.ts: the target options a bundle may give (`reproduce --compare-bundle`, issue 19, item 4):
 * names and bounded values only, never a path.
 */
import assert from "node:assert/strict";
import { TARGET_OPTIONS } from "../amr.ts";
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
    },
  );
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
