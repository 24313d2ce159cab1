/**
 * One wording for a schema violation in a user's file: the dotted field path and what was
 * expected. A misspelt key is named by its own path ("stages.count.limt"), not by its parent's.
 *
 * @module
 */
import type { z } from "zod";

/** Describes a schema issue, e.g. `field "stages.count.limit": Invalid input: expected number, ...`. */
export function fieldIssue(i: z.ZodError["issues"][number]): string {
  const at = i.path.map(String).join(".");
  if (i.code === "unrecognized_keys") {
    const names = i.keys.map((k) => `"${at ? `${at}.` : ""}${k}"`).join(", ");
    return `unknown field ${names}: not a setting here (misspelt?)`;
  }
  return `field "${at}": ${i.message}`;
}
