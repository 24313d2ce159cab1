/**
 * The manifest of a store entry (`artifacts/store/<key>/manifest.json`): what ran, on what,
 * and the hash of every output. It is the entry's lock record, readable without the tool.
 */
import { z } from "zod";

/** One output file of an entry. */
export const OutputRecord = z.object({ sha256: z.string().length(64), size: z.number().int() });

/** One input of an entry: which upstream entry and file it came from. */
export const InputRecord = z.object({
  node: z.string(),
  key: z.string(),
  output: z.string(),
  sha256: z.string().length(64),
});

/** The components of a cache key, kept so `status` can explain what changed. */
export const KeyParts = z.object({
  stage: z.string(),
  code: z.string(),
  params: z.unknown(),
  seed: z.number().int(),
  inputs: z.record(z.string(), z.string()),
  runtime: z.record(z.string(), z.string()),
});

/** Schema of `manifest.json`. */
export const Manifest = z.object({
  format: z.literal(1),
  key: z.string().length(64),
  node: z.string(),
  stage: z.string(),
  params: z.unknown(),
  seed: z.number().int(),
  inputs: z.record(z.string(), InputRecord),
  outputs: z.record(z.string(), OutputRecord),
  code: z.object({
    hash: z.string(),
    modules: z.record(z.string(), z.string()),
    packages: z.array(z.string()),
  }),
  runtime: z.record(z.string(), z.string()),
  startedAt: z.string(),
  durationMs: z.number(),
  summary: z.record(z.string(), z.unknown()).optional(),
});

/** A parsed manifest. */
export type Manifest = z.infer<typeof Manifest>;
/** The parts a cache key is computed from. */
export type KeyParts = z.infer<typeof KeyParts>;
