/**
 * The perturb-test stage run in-process stops at its next cancellation point when its signal
 * aborts (before loading anything, or between two attacks) and leaves no output behind; Figure
 * 4's kinds perturb the same (warm) items and `figure4.json` counts them; `source: test` adds
 * Table 3's worst-case block, and only then.
 */
import assert from "node:assert/strict";
import { figureNodes } from "../../plan/outputs.ts";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { silentProgress } from "../../pipeline/stage/progress.ts";
import { runNode } from "./data_helpers.ts";
import { runModelNode, smokeSetup } from "./model_helpers.ts";
import { loadPhaseData, phaseFiles } from "../../stages/lib/train_inputs.ts";
import { coldItems } from "../../models/sampler.ts";

const s = await smokeSetup();
for (const id of ["mf-bpr", "vbpr", "amr"]) await runModelNode(s, s.nodes.get(id)!);
const perturb: NodeSpec = figureNodes(s.dataset, s.profile).find((n) => n.id === "perturb-test")!;

async function outputsLeft(): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(`${s.root}/perturb-test`)) names.push(e.name);
  return names.sort();
}

Deno.test("perturb-test: an already-aborted signal stops it before it writes anything", async () => {
  const abort = new AbortController();
  abort.abort(new Error("cancelled by test"));
  await assert.rejects(
    runNode(perturb, s.outputs, s.root, { signal: abort.signal }),
    /cancelled by test/,
  );
  assert.deepEqual(await outputsLeft(), []);
});

Deno.test("perturb-test: an abort after the first attack stops it at the next one", async () => {
  await Deno.remove(`${s.root}/perturb-test`, { recursive: true }).catch(() => {});
  const abort = new AbortController();
  let attacks = 0;
  let total = 0;
  const progress = {
    ...silentProgress,
    start: (n: number) => void (total = n),
    update: (done: number) => {
      attacks = done;
      abort.abort(new Error("cancelled by test"));
    },
  };
  await assert.rejects(
    runNode(perturb, s.outputs, s.root, { signal: abort.signal, progress }),
    /cancelled by test/,
  );
  assert.equal(attacks, 1, `stopped after ${attacks} of ${total} attacks`);
  assert.ok(total > 2);
  assert.deepEqual(await outputsLeft(), []);
});

/** Runs the perturb-test node under `id` with `params` over the planned ones; its JSON outputs. */
async function runPerturb(id: string, params: Record<string, unknown>) {
  const node = { ...perturb, id, params: { ...(perturb.params as object), ...params } };
  await runNode(node, s.outputs, s.root);
  const read = async (f: string) => JSON.parse(await Deno.readTextFile(`${s.root}/${id}/${f}`));
  return {
    table3: await read("table3.json"),
    figure4: await read("figure4.json"),
    md: await Deno.readTextFile(`${s.root}/${id}/table3.md`),
    csv: await Deno.readTextFile(`${s.root}/${id}/table3.csv`),
  };
}

Deno.test("perturb-test: Figure 4's kinds perturb the same items, the warm ones, and say how many", async () => {
  assert.equal("source" in (perturb.params as object), false, "smoke plans the paper's source");
  const out = await runPerturb("perturb-train", {});
  const inputs = Object.fromEntries(
    Object.entries(perturb.inputs).map(([k, ref]) => [k, s.outputs[ref.node][ref.output]]),
  );
  const data = await loadPhaseData(phaseFiles(inputs), "final");
  const warm = coldItems(data.train).filter((c) => c === 0).length;
  const points = out.figure4.points as { kind: string; perturbedItems: number }[];
  assert.deepEqual(new Set(points.map((q) => q.kind)), new Set(["rand", "grad"]));
  for (const q of points) assert.equal(q.perturbedItems, warm, `${q.kind}: ${q.perturbedItems}`);
  assert.ok(warm < data.train.nItems, "the smoke data has cold items to leave alone");
  // Without `source: test`, Table 3 has no extra block anywhere.
  assert.equal(out.table3.test, undefined);
  assert.doesNotMatch(out.md, /not in the paper/);
  assert.doesNotMatch(out.csv, /,test,/);
});

Deno.test("perturb-test: source test adds Table 3's worst-case block, reaching cold test items", async () => {
  const out = await runPerturb("perturb-test@test", { source: "test" });
  const base = JSON.parse(await Deno.readTextFile(`${s.root}/perturb-train/table3.json`));
  // The paper's block is unchanged by the extra one.
  for (const f of ["eps", "vbpr", "amr", "details"]) assert.deepEqual(out.table3[f], base[f], f);
  const t = out.table3.test;
  assert.equal(t.vbpr.length, out.table3.eps.length);
  assert.equal(t.amr.length, out.table3.eps.length);
  assert.match(t.note, /^Not in the paper: /);
  // It perturbs more items than eq. 6 reaches (cold test items too).
  const count = (b: { details: { vbpr: { points: { perturbedItems: number }[] } } }) =>
    b.details.vbpr.points[0].perturbedItems;
  assert.ok(count(t) > count(base), `${count(t)} vs ${count(base)}`);
  assert.match(out.md, /\| ours, worst case, test-loss gradient \(not in the paper\) \|/);
  assert.match(out.csv, /,test,\d+\n/);
});
