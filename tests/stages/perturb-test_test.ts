/**
 * The perturb-test stage run in-process stops at its next cancellation point when its signal
 * aborts (before loading anything, or between two attacks) and leaves no output behind.
 */
import assert from "node:assert/strict";
import { figureNodes } from "../../plan/outputs.ts";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { silentProgress } from "../../pipeline/stage/progress.ts";
import { runNode } from "./data_helpers.ts";
import { runModelNode, smokeSetup } from "./model_helpers.ts";

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
