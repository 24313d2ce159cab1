/**
 * End to end: `amr reproduce --profile smoke --dataset smoke` from an empty store writes
 * Table 1 and Table 2 (all six rows); a second run finds every stage cached.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function reproduce(artifacts: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "reproduce", "--profile", "smoke", "--dataset", "smoke"],
    env: { AMR_ARTIFACTS: artifacts, CI: "true" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `reproduce failed (${out.code}):\n${text}\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return text;
}

Deno.test("e2e: smoke reproduce writes Tables 1 and 2, then everything is cached", async () => {
  const artifacts = await Deno.makeTempDir({ prefix: "amr_e2e_" });
  try {
    const first = await reproduce(artifacts);
    assert.match(first, /table2\s+ran/);
    const tables = `${artifacts}/results/smoke/smoke/tables`;
    await Deno.stat(`${tables}/table1.md`);
    await Deno.stat(`${tables}/table1.csv`);
    const csv = (await Deno.readTextFile(`${tables}/table2.csv`)).trim().split("\n");
    assert.deepEqual(
      csv.slice(1).map((l) => l.split(",")[0]),
      ["POP", "MF-eALS", "MF-BPR", "DUIF", "VBPR", "AMR"],
    );
    for (
      const f of ["table2.md", "table2.tex", "table2_cold.md", "table2_warm.md", "table2.json"]
    ) {
      await Deno.stat(`${tables}/${f}`);
    }
    const second = await reproduce(artifacts);
    const lines = second.split("\n").filter((l) => /^ {2}\S/.test(l));
    assert.ok(lines.length >= 19, second);
    for (const l of lines) assert.match(l, /cached$/, l);
    assert.match(second, /\b0 ran\b/);
  } finally {
    await Deno.remove(artifacts, { recursive: true });
  }
});
