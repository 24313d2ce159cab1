/**
 * `remote status`: per entry of a target, where it is: in the local store, on the remote, both,
 * or neither. The entries are those of the local state's closure and of the remote's run index.
 */
import { join } from "node:path";
import type { Project, Target } from "../graph/project.ts";
import { readState } from "../store/state.ts";
import type { Store } from "../store/store.ts";
import { entryName, runIndexSchema, runName } from "./layout.ts";
import type { Remote } from "./remote.ts";

/** Where one entry is. */
export type EntryPlace = "local" | "remote" | "both" | "missing";

/** One entry of a target and where it is. */
export interface EntryStatus {
  node: string;
  key: string;
  place: EntryPlace;
}

/** What {@link remoteStatus} found. */
export interface RemoteStatus {
  /** When the remote's run index of the target was pushed; null: no run there. */
  pushedAt: string | null;
  entries: EntryStatus[];
}

/** Where each entry of the target's local and remote runs is. */
export async function remoteStatus(
  p: Project,
  target: Target,
  store: Store,
  remote: Remote,
): Promise<RemoteStatus> {
  await remote.check();
  const nodeOf = new Map<string, string>();
  // The local run: its state and, through recorded inputs, every entry it used.
  const ids = new Set(target.nodes.map((n) => n.id));
  const stack: string[] = [];
  for (const [id, key] of Object.entries((await readState(p.artifactsRoot, target.name)).nodes)) {
    if (!ids.has(id)) continue;
    nodeOf.set(key, id);
    stack.push(key);
  }
  const seen = new Set<string>();
  while (stack.length > 0) {
    const key = stack.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const m = await store.readManifest(key);
    if (!m) continue;
    nodeOf.set(key, m.node);
    for (const rec of Object.values(m.inputs)) {
      if (!nodeOf.has(rec.key)) nodeOf.set(rec.key, rec.node);
      stack.push(rec.key);
    }
  }
  // The remote run.
  let pushedAt: string | null = null;
  const tmp = await Deno.makeTempDir({ prefix: "remote-status-" });
  try {
    const file = join(tmp, "index.json");
    if (await remote.download(runName(target.name), file)) {
      const parsed = runIndexSchema.safeParse(JSON.parse(await Deno.readTextFile(file)));
      if (!parsed.success) throw new Error(`${runName(target.name)} on ${remote.url} is corrupt`);
      pushedAt = parsed.data.pushedAt;
      for (const [key, e] of Object.entries(parsed.data.entries)) {
        if (!nodeOf.has(key)) nodeOf.set(key, e.node);
      }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  const entries: EntryStatus[] = [];
  for (const [key, node] of nodeOf) {
    const local = (await store.readManifest(key)) !== null;
    const there = await remote.has(entryName(key));
    const place = local && there ? "both" : local ? "local" : there ? "remote" : "missing";
    entries.push({ node, key, place });
  }
  entries.sort((a, b) => a.node < b.node ? -1 : a.node > b.node ? 1 : a.key < b.key ? -1 : 1);
  return { pushedAt, entries };
}
