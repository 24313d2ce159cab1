/**
 * The run state of a target (like `dvc.lock`): for each node, the key of the entry it last
 * produced or used. `status` compares against it; `gc` keeps every entry a state names.
 */
import { join } from "node:path";
import { z } from "zod";

/** Schema of a state file. */
export const runStateSchema = z.object({
  target: z.string(),
  updatedAt: z.string(),
  nodes: z.record(z.string(), z.string().length(64)),
});

/** A target's recorded node keys. */
export type RunState = z.infer<typeof runStateSchema>;

/** Path of the state file of a target under the artifacts root. */
export function statePath(root: string, target: string): string {
  return join(root, "state", `${target.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`);
}

/** Reads a target's state (empty when never run). */
export async function readState(root: string, target: string): Promise<RunState> {
  try {
    return runStateSchema.parse(JSON.parse(await Deno.readTextFile(statePath(root, target))));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { target, updatedAt: "", nodes: {} };
    throw new Error(`corrupt state file ${statePath(root, target)}: ${(e as Error).message}`);
  }
}

/** Merges node keys into a target's state, written atomically. */
export async function recordState(
  root: string,
  target: string,
  nodes: Record<string, string>,
): Promise<void> {
  const prev = await readState(root, target);
  const next: RunState = {
    target,
    updatedAt: new Date().toISOString(),
    nodes: { ...prev.nodes, ...nodes },
  };
  await writeJsonAtomic(statePath(root, target), next);
}

/** Reads every state file under the root. */
export async function readAllStates(root: string): Promise<RunState[]> {
  const out: RunState[] = [];
  try {
    for await (const e of Deno.readDir(join(root, "state"))) {
      if (e.isFile && e.name.endsWith(".json")) {
        out.push(
          runStateSchema.parse(JSON.parse(await Deno.readTextFile(join(root, "state", e.name)))),
        );
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

/** Writes JSON to a temporary file and renames it into place. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await Deno.mkdir(join(path, ".."), { recursive: true });
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(value, null, 2) + "\n");
  await Deno.rename(tmp, path);
}
