/**
 * A toy stage that asks for its inputs' manifests (`inputManifests: true`) and writes what it
 * saw, for the engine test of that option.
 */
import { z } from "zod";
import { join } from "node:path";
import { defineStage } from "../../pipeline/stage/stage.ts";

/** Writes, per input, the producing node, stage, key and whether the manifest is frozen. */
export const provenance = defineStage({
  name: "toy-provenance",
  module: import.meta.url,
  params: z.object({}),
  inputs: ["scaled", "total"],
  outputs: ["seen.json"],
  inputManifests: true,
  async run({ inputManifests, outDir }) {
    const seen: Record<string, unknown> = {};
    for (const [name, m] of Object.entries(inputManifests ?? {})) {
      let writable = true;
      try {
        (m as { node: string }).node = "changed";
      } catch {
        writable = false;
      }
      seen[name] = { node: m.node, stage: m.stage, key: m.key, params: m.params, writable };
    }
    await Deno.writeTextFile(join(outDir, "seen.json"), JSON.stringify(seen));
  },
});
