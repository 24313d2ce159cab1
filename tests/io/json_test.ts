/** Tests of io/json.ts. */
import assert from "node:assert/strict";
import { writeJson } from "../../io/json.ts";

Deno.test("writeJson: two-space indent, trailing newline, reads back equal", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amr_json_" });
  try {
    const value = { a: 1, b: [true, null], c: { d: "x" } };
    await writeJson(`${dir}/v.json`, value);
    const text = await Deno.readTextFile(`${dir}/v.json`);
    assert.equal(text.split("\n")[1], '  "a": 1,');
    assert.ok(text.endsWith("}\n") && !text.endsWith("\n\n"));
    assert.deepEqual(JSON.parse(text), value);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
