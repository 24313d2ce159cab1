/**
 * Stages of a tiny second project (a word counter): it shows the engine carries no words of
 * the AMR project. Like every stage module, these import the narrow stage contract
 * (`pipeline/stage/stage.ts`), not `pipeline/mod.ts`, so their keys fingerprint only what they use.
 */
import { z } from "zod";
import { join } from "node:path";
import { defineStage } from "../../../pipeline/stage/stage.ts";

/** Splits a text into words, one per line; `fold` lower-cases them first. */
export const words = defineStage({
  name: "words",
  module: import.meta.url,
  params: z.object({ text: z.string().min(1), fold: z.boolean() }),
  inputs: [],
  outputs: ["words.txt"],
  // A runtime need the word counter invents: the engine only forwards its facts into the key.
  runtime: ["collation"],
  async run({ params, outDir }) {
    const text = params.fold ? params.text.toLowerCase() : params.text;
    const ws = text.split(/\s+/).filter(Boolean);
    await Deno.writeTextFile(join(outDir, "words.txt"), ws.join("\n") + "\n");
    return { words: ws.length };
  },
});

/** Counts each word (keys sorted). */
export const count = defineStage({
  name: "count",
  module: import.meta.url,
  params: z.object({}),
  inputs: ["words"],
  outputs: ["counts.json"],
  async run({ inputs, outDir }) {
    const counts: Record<string, number> = {};
    for (const w of (await Deno.readTextFile(inputs.words)).split("\n").filter(Boolean)) {
      counts[w] = (counts[w] ?? 0) + 1;
    }
    const sorted = Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a < b ? -1 : 1));
    await Deno.writeTextFile(join(outDir, "counts.json"), JSON.stringify(sorted));
  },
});
