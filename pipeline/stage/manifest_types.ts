/**
 * Plain types of manifest records, for modules that only need the shapes.
 */
import type { z } from "zod";
import type { InputRecord, OutputRecord } from "./manifest.ts";

/** One input of an entry. */
export type InputRecordT = z.infer<typeof InputRecord>;
/** One output of an entry. */
export type OutputRecordT = z.infer<typeof OutputRecord>;
