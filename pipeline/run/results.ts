/**
 * Materialises human-facing outputs under the target's results folder and writes
 * `provenance.json`, mapping each published file to the stage entry behind it.
 */
import { join } from "node:path";
import type { Graph } from "../graph/graph.ts";
import type { RunReport } from "./runner.ts";
import type { Store } from "../store/store.ts";
import { writeJsonAtomic } from "../store/state.ts";

/** One published file's provenance. */
export interface ProvenanceItem {
  node: string;
  stage: string;
  key: string;
  output: string;
  sha256: string;
  params: unknown;
  seed: number;
  durationMs: number;
  startedAt: string;
}

/** Where {@link publishResults} copies from and to. */
export interface PublishOptions {
  /** The store holding the outputs. */
  store: Store;
  /** The results folder. */
  dir: string;
  /** Facts written at the top of `provenance.json`. */
  meta: Record<string, unknown>;
}

/** Copies each node's published outputs into `dir` (atomically per file); returns the items. */
export async function publishResults(
  graph: Graph,
  report: RunReport,
  opts: PublishOptions,
): Promise<Record<string, ProvenanceItem>> {
  const { store, dir, meta } = opts;
  const items: Record<string, ProvenanceItem> = {};
  for (const o of report.outcomes) {
    const node = graph.byId.get(o.id)!;
    if (!node.publish || !o.manifest || !o.key) continue;
    for (const [output, rel] of Object.entries(node.publish)) {
      const dest = join(dir, rel);
      await Deno.mkdir(join(dest, ".."), { recursive: true });
      const tmp = `${dest}.${crypto.randomUUID()}.tmp`;
      await Deno.copyFile(store.outputPath(o.key, output), tmp);
      await Deno.rename(tmp, dest);
      const m = o.manifest;
      items[rel] = {
        node: o.id,
        stage: o.stage,
        key: o.key,
        output,
        sha256: m.outputs[output].sha256,
        params: m.params,
        seed: m.seed,
        durationMs: m.durationMs,
        startedAt: m.startedAt,
      };
    }
  }
  await writeJsonAtomic(join(dir, "provenance.json"), {
    ...meta,
    generatedAt: new Date().toISOString(),
    items,
  });
  return items;
}
