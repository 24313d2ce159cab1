/**
 * The content-addressed artifact store: `<root>/store/<key>/` holds a stage's outputs and its
 * `manifest.json`. Entries appear atomically (written in a temporary folder, then renamed), and
 * a lock file keeps two processes from producing one entry at the same time.
 */
import { join } from "node:path";
import { Manifest } from "./manifest.ts";
import { acquireLock, type HeldLock, type LockOptions } from "./lock.ts";

export type { HeldLock, LockOptions } from "./lock.ts";

/** Access to the store under one artifacts root. */
export class Store {
  /** The artifacts root (e.g. `artifacts/`). */
  readonly root: string;
  /** Folder of entries. */
  readonly dir: string;
  /** Folder of in-progress temporary entries. */
  readonly tmpDir: string;

  constructor(root: string) {
    this.root = root;
    this.dir = join(root, "store");
    this.tmpDir = join(this.dir, ".tmp");
  }

  /** Path of an entry's folder. */
  entryDir(key: string): string {
    return join(this.dir, key);
  }

  /** Path of one output file of an entry. */
  outputPath(key: string, output: string): string {
    return join(this.dir, key, output);
  }

  /** Reads and validates an entry's manifest; null when the entry does not exist. */
  async readManifest(key: string): Promise<Manifest | null> {
    const path = join(this.dir, key, "manifest.json");
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
    const parsed = Manifest.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new Error(`corrupt manifest ${path}: ${parsed.error.issues[0]?.message}`);
    }
    return parsed.data;
  }

  /** Lists the keys of all complete entries. */
  async keys(): Promise<string[]> {
    const keys: string[] = [];
    try {
      for await (const e of Deno.readDir(this.dir)) {
        if (e.isDirectory && /^[0-9a-f]{64}$/.test(e.name)) keys.push(e.name);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return keys.sort();
  }

  /** Creates a fresh temporary folder for an entry being produced. */
  async makeTemp(key: string): Promise<string> {
    await Deno.mkdir(this.tmpDir, { recursive: true });
    return await Deno.makeTempDir({ dir: this.tmpDir, prefix: `${key.slice(0, 16)}-` });
  }

  /**
   * Moves a finished temporary folder (outputs + manifest.json) into place as entry `key`.
   * If the entry already exists (another process won), the temporary folder is discarded.
   */
  async commit(tmp: string, key: string): Promise<void> {
    const dest = this.entryDir(key);
    try {
      await Deno.rename(tmp, dest);
    } catch (e) {
      if (await exists(dest)) {
        await Deno.remove(tmp, { recursive: true });
        return;
      }
      throw e;
    }
  }

  /** Removes an entry (used by gc and by --force). */
  async remove(key: string): Promise<void> {
    const dest = this.entryDir(key);
    if (!(await exists(dest))) return;
    // Rename first so a reader never sees a half-removed entry.
    const trash = `${dest}.trash-${crypto.randomUUID()}`;
    await Deno.rename(dest, trash);
    await Deno.remove(trash, { recursive: true });
  }

  /**
   * Takes the lock for producing entry `key`. Waits while a live process holds it; a lock whose
   * process is gone, or whose heartbeat stopped, is taken over (see `lock.ts`). Fails with a
   * clear message after `timeoutMs`.
   */
  async lock(key: string, options: LockOptions = {}): Promise<HeldLock> {
    return await acquireLock(join(this.dir, `${key}.lock`), {
      what: `store entry ${key.slice(0, 12)}`,
      ...options,
    });
  }

  /** Removes temporary folders and stale locks left by crashed runs; returns how many. */
  async cleanTemp(): Promise<number> {
    let n = 0;
    try {
      for await (const e of Deno.readDir(this.tmpDir)) {
        await Deno.remove(join(this.tmpDir, e.name), { recursive: true });
        n++;
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return n;
  }
}

/** True when a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
