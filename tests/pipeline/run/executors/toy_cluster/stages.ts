/**
 * Stages of the cluster test project: `step` works through `steps` steps of `ms` each (checking
 * its abort signal, saving a checkpoint after each step), appending "start step add=<add>
 * from=<step> pid=<pid>" to the ledger file named by TOY_LEDGER when its body begins, so a
 * test can count how often each node's stage really ran and where it resumed.
 */
import { z } from "zod";
import { join } from "node:path";
import { defineStage, type StageContext } from "../../../../../pipeline/stage/stage.ts";

async function ledger(line: string): Promise<void> {
  const path = Deno.env.get("TOY_LEDGER");
  if (path) await Deno.writeTextFile(path, line + "\n", { append: true });
}

const stepParams = z.object({
  add: z.number().int(),
  steps: z.number().int().min(1),
  ms: z.number(),
});

/** Sums its inputs' numbers plus `add`, slowly; several nodes can run as one fused job. */
export const step = defineStage({
  name: "step",
  module: import.meta.url,
  params: stepParams,
  inputs: ["a", "b"],
  outputs: ["n.txt"],
  run: runStep,
  async runGroup(ctxs) {
    await ledger(`start group of ${ctxs.length} pid=${Deno.pid}`);
    for (const ctx of ctxs) await runStep(ctx);
    return ctxs.map(() => undefined);
  },
});

async function runStep(
  { params, inputs, outDir, signal, log, checkpoint }: StageContext<z.infer<typeof stepParams>>,
): Promise<void> {
  // Resumes from the engine's checkpoint of this node key, as a training stage does.
  const saved = await checkpoint.load();
  const from = saved ? Number(saved.meta.step) : 0;
  await ledger(`start step add=${params.add} from=${from} pid=${Deno.pid}`);
  let total = params.add;
  for (const name of ["a", "b"]) {
    total += Number((await Deno.readTextFile(inputs[name])).trim());
  }
  for (let i = from; i < params.steps; i++) {
    signal.throwIfAborted();
    await new Promise((r) => setTimeout(r, params.ms));
    log(`step ${i + 1}/${params.steps}`);
    if (checkpoint.due(i + 1)) await checkpoint.save({ meta: { step: i + 1 }, arrays: {} });
  }
  await Deno.writeTextFile(join(outDir, "n.txt"), `${total}\n`);
}

/** A constant. */
export const source = defineStage({
  name: "source",
  module: import.meta.url,
  params: z.object({ n: z.number().int() }),
  inputs: [],
  outputs: ["n.txt"],
  async run({ params, outDir }) {
    await ledger(`start source pid=${Deno.pid}`);
    await Deno.writeTextFile(join(outDir, "n.txt"), `${params.n}\n`);
  },
});
