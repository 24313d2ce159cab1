/**
 * `gc`: removes store entries that no recorded target state uses, plus leftovers of crashed
 * runs (temporary folders).
 */
import type { Store } from "./store.ts";
import { readAllStates } from "./state.ts";

/** What gc removed or would remove. */
export interface GcReport {
  kept: number;
  removed: string[];
  temporaries: number;
}

/** Drops unreferenced entries (only lists them with `dryRun`). */
export async function collectGarbage(
  store: Store,
  opts: { dryRun?: boolean } = {},
): Promise<GcReport> {
  const used = new Set<string>();
  for (const s of await readAllStates(store.root)) {
    for (const k of Object.values(s.nodes)) used.add(k);
  }
  const removed: string[] = [];
  let kept = 0;
  for (const key of await store.keys()) {
    if (used.has(key)) {
      kept++;
      continue;
    }
    removed.push(key);
    if (!opts.dryRun) await store.remove(key);
  }
  const temporaries = opts.dryRun ? 0 : await store.cleanTemp();
  return { kept, removed, temporaries };
}
