/** Verified reads: a corrupted cached entry or input is quarantined, named and rebuilt. */
import assert from "node:assert/strict";
import { repairStore, verifyStore } from "../../../pipeline/store/verify.ts";
import { buildGraph, run, statuses, tempStore, toyNodes } from "../engine_helpers.ts";

function flipByte(path: string): void {
  const bytes = Deno.readFileSync(path);
  bytes[0] ^= 0x01;
  Deno.writeFileSync(path, bytes);
  // Any write moves mtime; make sure it differs from the commit's at millisecond resolution.
  Deno.utimeSync(path, new Date(), new Date(Date.now() + 5000));
}

Deno.test("a cached entry whose file changed is quarantined, named in the log and rebuilt", async () => {
  const store = await tempStore();
  const first = await run(buildGraph(toyNodes()), store);
  const sourceKey = first.outcomes.find((o) => o.id === "source")!.key!;
  const file = store.outputPath(sourceKey, "numbers.txt");
  const good = await Deno.readFile(file);
  flipByte(file);
  const lines: string[] = [];
  const second = await run(buildGraph(toyNodes()), store, { log: (l) => lines.push(l) });
  assert.deepEqual(statuses(second), { source: "ran", scale: "cached", sum: "cached" });
  assert.match(lines.join("\n"), new RegExp(`hash mismatch: ${file}.*quarantined.*rerunning`));
  assert.deepEqual(await Deno.readFile(file), good, "rebuilt bit-identical");
  const q = [...Deno.readDirSync(store.quarantineDir)];
  assert.equal(q.length, 1);
  const note = JSON.parse(
    await Deno.readTextFile(`${store.quarantineDir}/${q[0].name}/QUARANTINE.json`),
  );
  assert.equal(note.key, sourceKey);
  assert.equal(note.why.problems[0].problem, "hash mismatch");
});

Deno.test("an input corrupted after its producer committed is caught before the read and healed", async () => {
  const store = await tempStore();
  let corrupted = "";
  const lines: string[] = [];
  const report = await run(buildGraph(toyNodes({ n: 7 })), store, {
    log: (l) => {
      lines.push(l);
      const m = /^\[source\] done/.exec(l);
      if (m && !corrupted) {
        const dir = [...Deno.readDirSync(store.dir)].find((e) =>
          e.isDirectory && /^[0-9a-f]{64}$/.test(e.name)
        )!;
        corrupted = `${store.dir}/${dir.name}/numbers.txt`;
        flipByte(corrupted);
      }
    },
  });
  assert.ok(corrupted, "the source ran");
  const log = lines.join("\n");
  assert.match(
    log,
    new RegExp(`input from "source" failed verification: hash mismatch: ${corrupted}`),
  );
  assert.match(log, /\[source\] running \(healing: hash mismatch/);
  assert.deepEqual(statuses(report), { source: "ran", scale: "ran", sum: "ran" });
  assert.deepEqual((await verifyStore(store)).problems, []);
});

Deno.test("verify --repair quarantines every bad entry; the next run rebuilds it", async () => {
  const store = await tempStore();
  const first = await run(buildGraph(toyNodes()), store);
  const sumKey = first.outcomes.find((o) => o.id === "sum")!.key!;
  await Deno.writeTextFile(store.outputPath(sumKey, "sum.json"), "{}");
  const report = await verifyStore(store);
  assert.deepEqual(report.problems.map((p) => [p.key, p.problem]), [[sumKey, "size mismatch"]]);
  const actions = await repairStore(store, report);
  assert.equal(actions.length, 1);
  assert.ok(actions[0].movedTo?.startsWith(store.quarantineDir));
  assert.deepEqual((await verifyStore(store)).problems, []);
  const again = await run(buildGraph(toyNodes()), store);
  assert.deepEqual(statuses(again), { source: "cached", scale: "cached", sum: "ran" });
});
