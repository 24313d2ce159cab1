/**
 * The manifest of a store entry (`artifacts/store/<key>/manifest.json`): what ran, on what,
 * and the hash of every output. It is the entry's lock record, readable without the tool.
 */
import { z } from "zod";

/** Schema of one output file of an entry. */
export const outputRecordSchema = z.object({
  sha256: z.string().length(64),
  size: z.number().int(),
});

/** Schema of one input of an entry: which upstream entry and file it came from. */
export const inputRecordSchema = z.object({
  node: z.string(),
  key: z.string(),
  output: z.string(),
  sha256: z.string().length(64),
});

/** Schema of the components of a cache key, kept so `status` can explain what changed. */
export const keyPartsSchema = z.object({
  stage: z.string(),
  code: z.string(),
  params: z.unknown(),
  seed: z.number().int(),
  inputs: z.record(z.string(), z.string()),
  runtime: z.record(z.string(), z.string()),
});

/** Schema of `manifest.json`. */
export const manifestSchema = z.object({
  format: z.literal(1),
  key: z.string().length(64),
  node: z.string(),
  stage: z.string(),
  params: z.unknown(),
  seed: z.number().int(),
  inputs: z.record(z.string(), inputRecordSchema),
  outputs: z.record(z.string(), outputRecordSchema),
  code: z.object({
    hash: z.string(),
    modules: z.record(z.string(), z.string()),
    packages: z.array(z.string()),
  }),
  runtime: z.record(z.string(), z.string()),
  startedAt: z.string(),
  /** Wall time of the run; an entry made in a fused job has its equal share of the job's. */
  durationMs: z.number(),
  /** The fused job the entry was made in (docs/architecture.md#fused-groups), if any. */
  fused: z.object({ nodes: z.number().int().min(2), wallMs: z.number() }).optional(),
  summary: z.record(z.string(), z.unknown()).optional(),
});

/** One output file of an entry. */
export type OutputRecord = z.infer<typeof outputRecordSchema>;
/** One input of an entry. */
export type InputRecord = z.infer<typeof inputRecordSchema>;
/** The parts a cache key is computed from. */
export type KeyParts = z.infer<typeof keyPartsSchema>;
/** A parsed manifest. */
export type Manifest = z.infer<typeof manifestSchema>;
