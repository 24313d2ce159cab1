/**
 * Tiny stages for engine tests: a source of numbers, a scaler and a summer.
 */
import { z } from "zod";
import { join } from "node:path";
import { defineStage } from "../../pipeline/stage/stage.ts";

/** Counts how often each stage ran in this process (tests read it). */
export const runs: Record<string, number> = {};

function bump(name: string): void {
  runs[name] = (runs[name] ?? 0) + 1;
}

/** Writes `n` random integers (one per line). */
export const source = defineStage({
  name: "toy-source",
  module: import.meta.url,
  params: z.object({ n: z.number().int().positive().default(5), delayMs: z.number().default(0) }),
  inputs: [],
  outputs: ["numbers.txt"],
  async run({ params, outDir, rng }) {
    bump("toy-source");
    const xs = Array.from({ length: params.n }, () => rng.int(100));
    if (params.delayMs) await new Promise((r) => setTimeout(r, params.delayMs));
    await Deno.writeTextFile(join(outDir, "numbers.txt"), xs.join("\n") + "\n");
  },
});

/**
 * Meets a peer at a barrier folder: writes `<dir>/<name>`, then waits until `<dir>/<peer>`
 * exists. Two of these finish only when they run at the same time; run one after the other,
 * the first fails after `timeoutMs` saying its peer never arrived.
 */
export const rendezvous = defineStage({
  name: "toy-rendezvous",
  module: import.meta.url,
  params: z.object({
    dir: z.string(),
    name: z.string(),
    peer: z.string(),
    timeoutMs: z.number().int().positive(),
  }),
  inputs: [],
  outputs: ["met.txt"],
  async run({ params, outDir }) {
    await Deno.writeTextFile(join(params.dir, params.name), "");
    const deadline = Date.now() + params.timeoutMs;
    while (true) {
      try {
        await Deno.stat(join(params.dir, params.peer));
        break;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${params.name}: ${params.peer} never arrived within ${params.timeoutMs} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await Deno.writeTextFile(join(outDir, "met.txt"), params.peer);
  },
});

/** Multiplies each number by `factor`; fails half-way when `crash` is set. */
export const scale = defineStage({
  name: "toy-scale",
  module: import.meta.url,
  params: z.object({ factor: z.number(), crash: z.boolean().default(false) }),
  inputs: ["numbers"],
  outputs: ["scaled.txt", "sub/info.json"],
  async run({ params, inputs, outDir }) {
    bump("toy-scale");
    const xs = (await Deno.readTextFile(inputs.numbers)).trim().split("\n").map(Number);
    await Deno.writeTextFile(
      join(outDir, "scaled.txt"),
      xs.map((x) => x * params.factor).join("\n"),
    );
    if (params.crash) throw new Error("simulated crash after a partial write");
    await Deno.writeTextFile(join(outDir, "sub/info.json"), JSON.stringify({ count: xs.length }));
    return { count: xs.length };
  },
});

/** Sums the scaled numbers. */
export const sum = defineStage({
  name: "toy-sum",
  module: import.meta.url,
  params: z.object({}),
  inputs: ["scaled"],
  outputs: ["sum.json"],
  async run({ inputs, outDir }) {
    bump("toy-sum");
    const xs = (await Deno.readTextFile(inputs.scaled)).trim().split("\n").map(Number);
    await Deno.writeTextFile(
      join(outDir, "sum.json"),
      JSON.stringify({ sum: xs.reduce((a, b) => a + b, 0) }),
    );
  },
});

/** The sizes of the fused groups `toy-fused-scale` ran in this process, in order (tests read it). */
export const fusedGroups: number[] = [];

async function scaleInto(
  ctx: {
    params: { factor: number; fail: boolean };
    inputs: Record<string, string>;
    outDir: string;
  },
): Promise<{ count: number }> {
  if (ctx.params.fail) throw new Error("simulated failure of a fused group member");
  const xs = (await Deno.readTextFile(ctx.inputs.numbers)).trim().split("\n").map(Number);
  await Deno.writeTextFile(
    join(ctx.outDir, "scaled.txt"),
    xs.map((x) => x * ctx.params.factor).join("\n"),
  );
  return { count: xs.length };
}

/** A scaler that can run several of its nodes in one job (`runGroup`), reading the input once. */
export const fusedScale = defineStage({
  name: "toy-fused-scale",
  module: import.meta.url,
  params: z.object({ factor: z.number(), fail: z.boolean().default(false) }),
  inputs: ["numbers"],
  outputs: ["scaled.txt"],
  async run(ctx) {
    bump("toy-fused-scale");
    return await scaleInto(ctx);
  },
  async runGroup(ctxs) {
    fusedGroups.push(ctxs.length);
    const out = [];
    for (const ctx of ctxs) out.push(await scaleInto(ctx));
    return out;
  },
});
