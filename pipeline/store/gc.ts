/**
 * `gc`: removes store entries that no recorded target state uses, plus leftovers of crashed
 * runs (temporary folders) and orphaned checkpoints: those of an entry that has committed
 * (its run died between commit and cleanup) and half-written checkpoint files. Checkpoints of
 * interrupted runs are kept (a rerun resumes from them) and counted.
 */
import type { Store } from "./store.ts";
import { readAllStates } from "./state.ts";

/** What gc removed or would remove. */
export interface GcReport {
  kept: number;
  removed: string[];
  temporaries: number;
  /** Orphaned checkpoint files removed (or that would be). */
  checkpointsRemoved: string[];
  /** Checkpoints of interrupted runs kept for resuming. */
  checkpointsKept: number;
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
  const ck = await store.checkpoints();
  const committed = new Set(await store.keys());
  const checkpointsRemoved = [
    ...ck.keys.filter((k) => committed.has(k)).map((k) => store.checkpointPath(k)),
    ...ck.partial,
  ];
  if (!opts.dryRun) {
    for (const f of checkpointsRemoved) await Deno.remove(f).catch(() => {});
  }
  const checkpointsKept = ck.keys.filter((k) => !committed.has(k)).length;
  return { kept, removed, temporaries, checkpointsRemoved, checkpointsKept };
}
