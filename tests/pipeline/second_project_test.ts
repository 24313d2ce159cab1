/**
 * A second project on the unchanged engine: the word counter (tests/pipeline/second_project/)
 * brings its own target options, tool name, debug variable and runtime facts, and runs
 * `reproduce`, `status` and `dag` through the engine's CLI builder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildCli, main } from "../../pipeline/mod.ts";
import { cli } from "./engine_helpers.ts";
import { wordCountProject } from "./second_project/project.ts";

Deno.test("a second project gets its own options and name; none of AMR's", () => {
  const program = buildCli(wordCountProject("/nonexistent"));
  assert.equal(program.name(), "wordcount");
  assert.match(program.helpInformation(), /Count the words of a text/);
  const names = program.commands.map((c) => c.name());
  assert.deepEqual(names, [
    "reproduce",
    "status",
    "dag",
    "run-node",
    "verify",
    "gc",
    "bundle",
    "push",
    "pull",
    "remote",
    "runs",
  ]); // no check, no diff
  for (
    const c of program.commands.filter((c) =>
      ["reproduce", "status", "dag", "bundle", "push", "pull"].includes(c.name())
    )
  ) {
    const flags = c.options.map((o) => o.long);
    assert.ok(flags.includes("--text") && flags.includes("--case"), `${c.name()}: ${flags}`);
    for (const amr of ["--dataset", "--data-dir", "--profile", "--init"]) {
      assert.ok(!flags.includes(amr), `${c.name()} offers ${amr}`);
    }
  }
});

Deno.test("the second project reproduces, caches and reports status through the CLI", async () => {
  const root = await Deno.makeTempDir({ prefix: "wordcount-" });
  const p = wordCountProject(root);
  const first = await cli(p, ["reproduce", "--text", "b A b a"]);
  assert.match(first.out, /2 ran, 0 cached/);
  const target = await p.resolveTarget({ text: "b A b a", case: "fold" });
  const counts = JSON.parse(await Deno.readTextFile(join(target.resultsDir, "counts.json")));
  assert.deepEqual(counts, { a: 2, b: 2 });

  const kept = await cli(p, ["reproduce", "--text", "b A b a", "--case", "keep"]);
  assert.match(kept.out, /2 ran, 0 cached/);
  const keptTarget = await p.resolveTarget({ text: "b A b a", case: "keep" });
  assert.deepEqual(
    JSON.parse(await Deno.readTextFile(join(keptTarget.resultsDir, "counts.json"))),
    { A: 1, a: 1, b: 2 },
  );

  const again = await cli(p, ["reproduce", "--text", "b A b a"]);
  assert.match(again.out, /0 ran, 2 cached/);
  const status = await cli(p, ["status", "--text", "b A b a", "--json"]);
  const st = JSON.parse(status.out) as { target: string; nodes: { id: string; state: string }[] };
  assert.equal(st.target, target.name);
  assert.deepEqual(st.nodes.map((n) => [n.id, n.state]), [["words", "fresh"], ["count", "fresh"]]);
  const stale = await cli(p, ["status", "--text", "other words"]);
  assert.match(stale.out, /2 of 2 stages stale/);

  // The project's runtime facts enter the key of the stage that names their need.
  const other = wordCountProject(root, { base: { deno: "x" }, needs: { collation: { v: "2" } } });
  const rekeyed = await cli(other, ["reproduce", "--text", "b A b a"]);
  assert.match(rekeyed.out, /2 ran, 0 cached/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("the second project runs one node by name; a typo gets the close names", async () => {
  const root = await Deno.makeTempDir({ prefix: "wordcount-" });
  const p = wordCountProject(root);
  const words = await cli(p, ["reproduce", "words", "--text", "b A b a"]);
  assert.match(words.out, /selection: words, with everything upstream \(1 of 2 nodes\)/);
  assert.match(words.out, /1 ran, 0 cached/);
  assert.match(words.out, /partial run: results not published/);
  const target = await p.resolveTarget({ text: "b A b a", case: "fold" });
  await assert.rejects(() => Deno.lstat(target.resultsDir), Deno.errors.NotFound);
  const all = await cli(p, ["reproduce", "count", "--text", "b A b a"]);
  assert.match(all.out, /1 ran, 1 cached/);
  assert.match(all.out, /results: /);
  await assert.rejects(
    () => cli(p, ["reproduce", "cuont", "--text", "b A b a"]),
    /no node or stage is named "cuont"; close matches: count/,
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("the second project's choices, dag name, missing runtime facts and debug variable", async () => {
  const root = await Deno.makeTempDir({ prefix: "wordcount-" });
  const p = wordCountProject(root);
  await assert.rejects(
    () => cli(p, ["dag", "--text", "a", "--case", "shout"]),
    /Allowed choices are keep, fold/,
  );
  const dot = await cli(p, ["dag", "--text", "a", "--format", "dot"]);
  assert.match(dot.out, /^digraph wordcount \{/);
  assert.match(dot.out, /"words" -> "count" \[label="words"\]/);

  const bare = wordCountProject(root, { base: { deno: "x" }, needs: {} });
  await assert.rejects(
    () => cli(bare, ["reproduce", "--text", "a"]),
    /stage "words" \(node "words"\) needs runtime "collation", which the project does not describe/,
  );

  const errors: string[] = [];
  const { error } = console;
  console.error = (...a: unknown[]) => errors.push(a.join(" "));
  const before = Deno.exitCode;
  try {
    await main(p, ["status"]);
    Deno.env.set("WORDCOUNT_DEBUG", "1");
    await main(p, ["status"]);
  } finally {
    Deno.env.delete("WORDCOUNT_DEBUG");
    console.error = error;
    Deno.exitCode = before;
  }
  assert.equal(errors[0], "error: --text is required");
  assert.equal(errors.length, 3, errors.join("\n")); // message; message + stack
  assert.match(errors[2], /at .*second_project\/project\.ts/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("the engine's source names no word of the AMR project", async () => {
  // The words that would betray project knowledge in the engine (docs/architecture.md).
  const words =
    /\bamr\b|AMR_|tfjs|tensorflow|vbpr|pinterest|amazon|\bpaper|dataset|--profile|--data-dir|--init\b/i;
  const root = new URL("../../pipeline/", import.meta.url).pathname;
  const hits: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}${e.name}`;
      if (e.isDirectory) await walk(`${path}/`);
      else if (e.name.endsWith(".ts")) {
        (await Deno.readTextFile(path)).split("\n").forEach((line, i) => {
          if (words.test(line)) hits.push(`${path.slice(root.length)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
  };
  await walk(root);
  assert.deepEqual(hits, []);
});
