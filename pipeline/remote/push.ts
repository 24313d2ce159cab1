/**
 * `push`: sends a target's last run to a remote: every store entry its state and published
 * results came from (their closure through recorded inputs), the results and the state.
 *
 * Order makes it resumable and safe to run twice at once: objects first (each skipped when the
 * remote has it), then each entry's manifest, then the run index. An interrupted push leaves
 * no index (or the previous one), and the next push sends only what is missing. Every local file
 * is re-hashed against its record first: a corrupt store is never pushed. Objects, and then
 * manifests, go several at once (`jobs`); every manifest still goes after all the objects.
 */
import { join } from "node:path";
import { closureManifests, stageCodes } from "../bundle/bundle.ts";
import type { PublishedItem } from "../bundle/entry_checks.ts";
import type { Project, Target } from "../graph/project.ts";
import { hashFile } from "../stage/hash.ts";
import { readState } from "../store/state.ts";
import type { Store } from "../store/store.ts";
import { entryName, objectName, RUN_INDEX_FORMAT, type RunIndex, runName } from "./layout.ts";
import { DEFAULT_JOBS, mapPool } from "./pool.ts";
import type { Remote } from "./remote.ts";

/** What {@link pushTarget} did. */
export interface PushSummary {
  /** Entries of the run, and those whose manifest was sent (the others were there). */
  entries: number;
  entriesSent: number;
  /** Objects sent and found already on the remote. */
  objectsSent: number;
  objectsSkipped: number;
  /** Bytes sent (objects and manifests, the index included). */
  bytesSent: number;
  /** Bytes of the whole run (every object once, the manifests and the index). */
  bytes: number;
}

/** Reads a target's `provenance.json` (its published results). */
export async function readPublished(
  target: Target,
): Promise<{ path: string; items: Record<string, PublishedItem> }> {
  const path = join(target.resultsDir, "provenance.json");
  try {
    const parsed = JSON.parse(await Deno.readTextFile(path)) as {
      items?: Record<string, PublishedItem>;
    };
    return { path, items: parsed.items ?? {} };
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message} (run "reproduce" first)`);
  }
}

/** Options of {@link pushTarget}. */
export interface PushOptions {
  /** Objects sent at once (default {@link DEFAULT_JOBS}). */
  jobs?: number;
}

/** Pushes the target's last run to `remote`. */
export async function pushTarget(
  p: Project,
  target: Target,
  store: Store,
  remote: Remote,
  opts: PushOptions = {},
): Promise<PushSummary> {
  const jobs = opts.jobs ?? DEFAULT_JOBS;
  const state = await readState(p.artifactsRoot, target.name);
  const ids = new Set(target.nodes.map((n) => n.id));
  const nodes = Object.fromEntries(Object.entries(state.nodes).filter(([id]) => ids.has(id)));
  if (Object.keys(nodes).length === 0) {
    throw new Error(`no run recorded for target ${target.name}: run "reproduce" first`);
  }
  const published = await readPublished(target);
  const manifests = await closureManifests(store, [
    ...Object.values(nodes),
    ...Object.values(published.items).map((i) => i.key),
  ]);
  await remote.check();

  const s: PushSummary = {
    entries: manifests.size,
    entriesSent: 0,
    objectsSent: 0,
    objectsSkipped: 0,
    bytesSent: 0,
    bytes: 0,
  };
  const sent = new Set<string>();
  /** Sends a local file as an object unless the remote has it; checks it against `expected`. */
  const sendObject = async (path: string, expected?: { sha256: string; size: number }) => {
    const got = await hashFile(path);
    if (expected && (got.sha256 !== expected.sha256 || got.size !== expected.size)) {
      throw new Error(
        `${path} does not match its record (sha256 ${got.sha256}, expected ${expected.sha256}): ` +
          `run "verify"; a corrupt store is not pushed`,
      );
    }
    // Checked and marked with no await in between: two concurrent sends of one content never
    // both go.
    if (!sent.has(got.sha256)) {
      sent.add(got.sha256);
      s.bytes += got.size;
      const name = objectName(got.sha256);
      if (await remote.has(name)) s.objectsSkipped++;
      else {
        await remote.upload(name, path);
        s.objectsSent++;
        s.bytesSent += got.size;
      }
    }
    return got;
  };

  // Which entries the remote already has (complete: a manifest goes after every object it
  // names), then, in key order, what that leaves to send, so the counts do not depend on --jobs.
  const keys = [...manifests.keys()].sort();
  const there = await mapPool(keys, jobs, (key) => remote.has(entryName(key)));
  const entries: RunIndex["entries"] = {};
  const toSend: { key: string; manifest: string; bytes: number }[] = [];
  for (const [i, key] of keys.entries()) {
    const m = manifests.get(key)!;
    entries[key] = { node: m.node, stage: m.stage };
    const manifest = join(store.entryDir(key), "manifest.json");
    const bytes = (await Deno.stat(manifest)).size;
    s.bytes += bytes;
    if (!there[i]) {
      toSend.push({ key, manifest, bytes });
      continue;
    }
    for (const rec of Object.values(m.outputs)) {
      if (!sent.has(rec.sha256)) s.bytes += rec.size;
      sent.add(rec.sha256);
    }
  }
  // Every object of the missing entries, then their manifests: an entry on the remote is whole.
  const objects = toSend.flatMap(({ key }) =>
    Object.entries(manifests.get(key)!.outputs).sort(([a], [b]) => a < b ? -1 : 1)
      .map(([name, rec]) => ({ path: store.outputPath(key, name), rec }))
  );
  await mapPool(objects, jobs, (o) => sendObject(o.path, o.rec));
  await mapPool(toSend, jobs, async (e) => {
    await remote.upload(entryName(e.key), e.manifest);
    s.entriesSent++;
    s.bytesSent += e.bytes;
  });

  const results: RunIndex["results"] = {};
  const items = Object.entries(published.items).sort(([a], [b]) => a < b ? -1 : 1);
  const got = await mapPool(items, jobs, ([rel, item]) => {
    const size = manifests.get(item.key)?.outputs[item.output]?.size ?? -1;
    return sendObject(join(target.resultsDir, rel), { sha256: item.sha256, size });
  });
  for (const [i, [rel]] of items.entries()) results[rel] = got[i];
  results["provenance.json"] = await sendObject(published.path);

  const index: RunIndex = {
    format: RUN_INDEX_FORMAT,
    tool: p.name,
    target: target.name,
    pushedAt: new Date().toISOString(),
    state: { target: target.name, updatedAt: state.updatedAt, nodes },
    entries,
    results,
    stages: stageCodes(p, target, manifests),
  };
  const tmp = await Deno.makeTempFile({ prefix: "run-index-" });
  try {
    await Deno.writeTextFile(tmp, JSON.stringify(index, null, 2) + "\n");
    await remote.upload(runName(target.name), tmp);
    const indexBytes = (await Deno.stat(tmp)).size;
    s.bytesSent += indexBytes;
    s.bytes += indexBytes;
  } finally {
    await Deno.remove(tmp);
  }
  return s;
}
