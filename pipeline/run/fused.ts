/**
 * Fused groups at run time (`NodeSpec.fuse`, docs/architecture.md#fused-groups): the runner
 * waits until every member of a group has been checked, then hands the members that must run
 * to the executor in as few jobs as it asks for (`Executor.groupJobs`), at most `max` nodes
 * per job (`--fuse-max`). Cached members never wait for the others' run.
 */

/** How a run treats fused groups: `enabled: false` is `--no-fuse`; `max` is `--fuse-max`. */
export interface FuseOptions {
  enabled: boolean;
  /** At most this many nodes per job. */
  max?: number;
}

/**
 * Splits `items` (in order) into consecutive jobs: `jobs` of them as even as can be, none with
 * more than `max` items.
 */
export function fuseChunks<T>(items: readonly T[], jobs: number, max?: number): T[][] {
  if (items.length === 0) return [];
  let size = Math.ceil(items.length / Math.max(1, jobs));
  if (max !== undefined) size = Math.min(size, Math.max(1, max));
  const count = Math.ceil(items.length / size);
  // Even sizes: the first `extra` chunks take one more item.
  const base = Math.floor(items.length / count);
  const extra = items.length % count;
  const out: T[][] = [];
  let at = 0;
  for (let c = 0; c < count; c++) {
    const n = base + (c < extra ? 1 : 0);
    out.push(items.slice(at, at + n));
    at += n;
  }
  return out;
}

/**
 * One fused group of a run: collects its members as they are checked and calls `launch` once
 * with the ones that must run, when every member has either joined or left.
 */
export class FuseBatch<T> {
  #unreported: Set<string>;
  #joined: T[] = [];

  constructor(members: readonly string[], private readonly launch: (joined: T[]) => void) {
    this.#unreported = new Set(members);
  }

  /** A member must run: it joins the group's job(s). */
  join(id: string, item: T): void {
    this.#joined.push(item);
    this.#reported(id);
  }

  /** A member needs no run (cached, a dry run, or it failed before it could join). */
  leave(id: string): void {
    this.#reported(id);
  }

  #reported(id: string): void {
    if (!this.#unreported.delete(id)) return;
    if (this.#unreported.size === 0 && this.#joined.length > 0) this.launch(this.#joined);
  }
}
