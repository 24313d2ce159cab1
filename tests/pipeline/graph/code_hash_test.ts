/**
 * A stage's code fingerprint does not depend on the folder the tool is started from: started
 * outside the checkout (as `verify --bundle` or a reviewer's `--compare-bundle` may be, with
 * `deno run --config <checkout>/deno.json`), the npm packages a stage imports are still found,
 * so every key stays the same and nothing reruns.
 */
import assert from "node:assert/strict";
import { CodeHasher } from "../../../pipeline/graph/code_hash.ts";
import { ROOT } from "../engine_helpers.ts";

Deno.test("code fingerprint: the same from a folder outside the checkout", async () => {
  const url = new URL("../toy_stages.ts", import.meta.url).href;
  const here = await (await CodeHasher.load([url], ROOT)).fingerprint(url);
  assert.ok(here.packages.some((p) => p.startsWith("zod@")), here.packages.join(", "));
  const outside = await Deno.makeTempDir({ prefix: "code-hash-cwd-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--config",
        `${ROOT}/deno.json`,
        new URL("../_fingerprint_child.ts", import.meta.url).pathname,
      ],
      cwd: outside,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), here);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});
