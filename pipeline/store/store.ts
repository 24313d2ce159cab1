/**
 * The content-addressed artifact store: `<root>/store/<key>/` holds a stage's outputs and its
 * `manifest.json`. Entries appear atomically (written in a temporary folder, then renamed), and
 * a lock file keeps two processes from producing one entry at the same time.
 */
import { join } from "node:path";
import { type Manifest, manifestSchema } from "../stage/manifest.ts";
import { acquireLock, type HeldLock, type LockOptions } from "./lock.ts";
import { CorruptEntry, KEY_PATTERN, manifestProblems, setEntryModes } from "./entry.ts";

export type { HeldLock, LockOptions } from "./lock.ts";

/** Access to the store under one artifacts root. */
export class Store {
  /** The artifacts root (e.g. `artifacts/`). */
  readonly root: string;
  /** Folder of entries. */
  readonly dir: string;
  /** Folder of in-progress temporary entries. */
  readonly tmpDir: string;
  /** Folder of training checkpoints, one file per node key (not part of the committed store). */
  readonly checkpointDir: string;
  /** Folder where entries that failed verification are moved, with a note. */
  readonly quarantineDir: string;

  constructor(root: string) {
    this.root = root;
    this.dir = join(root, "store");
    this.tmpDir = join(this.dir, ".tmp");
    this.checkpointDir = join(this.dir, ".checkpoints");
    this.quarantineDir = join(this.dir, ".quarantine");
  }

  /** Path of the checkpoint file of node key `key`. */
  checkpointPath(key: string): string {
    return join(this.checkpointDir, `${key}.ckpt`);
  }

  /** Removes the checkpoint of `key` (no error when there is none). */
  async removeCheckpoint(key: string): Promise<void> {
    await Deno.remove(this.checkpointPath(key)).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }

  /** Lists checkpoint files: complete ones by key, and leftovers of interrupted writes. */
  async checkpoints(): Promise<{ keys: string[]; partial: string[] }> {
    const keys: string[] = [];
    const partial: string[] = [];
    try {
      for await (const e of Deno.readDir(this.checkpointDir)) {
        const m = /^([0-9a-f]{64})\.ckpt$/.exec(e.name);
        if (m) keys.push(m[1]);
        else partial.push(join(this.checkpointDir, e.name));
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return { keys: keys.sort(), partial: partial.sort() };
  }

  /**
   * Moves entry `key` out of the store into `.quarantine/<key>-<time>/` with a `QUARANTINE.json`
   * note saying why, so the next run rebuilds it. Returns the new folder, or null when the
   * entry was already gone (another process quarantined or removed it).
   */
  async quarantine(key: string, why: unknown): Promise<string | null> {
    await Deno.mkdir(this.quarantineDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const dest = join(this.quarantineDir, `${key}-${stamp}-${crypto.randomUUID().slice(0, 8)}`);
    const entry = this.entryDir(key);
    try {
      // A link in place of the entry is moved as it is, into a real folder, never followed.
      if ((await Deno.lstat(entry)).isDirectory) await Deno.rename(entry, dest);
      else {
        await Deno.mkdir(dest);
        await Deno.rename(entry, join(dest, "entry"));
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
    await Deno.writeTextFile(
      join(dest, "QUARANTINE.json"),
      JSON.stringify({ key, at: new Date().toISOString(), why }, null, 2) + "\n",
    );
    return dest;
  }

  /** Path of an entry's folder. */
  entryDir(key: string): string {
    return join(this.dir, key);
  }

  /** Path of one output file of an entry. */
  outputPath(key: string, output: string): string {
    return join(this.dir, key, output);
  }

  /**
   * Reads and validates an entry's manifest; null when the entry does not exist. Never follows
   * a link. Throws {@link CorruptEntry}, naming the path, when the entry folder or its manifest
   * is a link, the manifest is not valid JSON (e.g. truncated) or not a manifest, or it records
   * another key than its folder's (an entry copied over another key).
   */
  async readManifest(key: string): Promise<Manifest | null> {
    const dir = join(this.dir, key);
    const path = join(dir, "manifest.json");
    let text: string;
    try {
      if (!(await Deno.lstat(dir)).isDirectory) {
        throw new CorruptEntry(key, dir, "the entry is a link or a file, not a folder");
      }
      if (!(await Deno.lstat(path)).isFile) {
        throw new CorruptEntry(key, path, "not a regular file (links are not followed)");
      }
      text = await Deno.readTextFile(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new CorruptEntry(key, path, `not valid JSON (truncated?): ${(e as Error).message}`);
    }
    const parsed = manifestSchema.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new CorruptEntry(key, path, `field "${i?.path.join(".")}": ${i?.message}`);
    }
    const problems = manifestProblems(key, parsed.data);
    if (problems.length > 0) throw new CorruptEntry(key, path, problems.join("; "));
    return parsed.data;
  }

  /** Lists the keys of all complete entries (links named like a key included, to be refused). */
  async keys(): Promise<string[]> {
    const keys: string[] = [];
    try {
      for await (const e of Deno.readDir(this.dir)) {
        if ((e.isDirectory || e.isSymlink) && KEY_PATTERN.test(e.name)) keys.push(e.name);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return keys.sort();
  }

  /** Creates a fresh temporary folder for an entry being produced. */
  async makeTemp(key: string): Promise<string> {
    await Deno.mkdir(this.tmpDir, { recursive: true });
    const dir = await Deno.makeTempDir({ dir: this.tmpDir, prefix: `${key.slice(0, 16)}-` });
    // makeTempDir creates 0700; an entry is shared like any folder the user makes (a group
    // store on a cluster), so it gets the user's umask, never more, and is never world-writable.
    await Deno.chmod(dir, 0o775 & ~(Deno.umask() | 0o002));
    return dir;
  }

  /**
   * Moves a finished temporary folder (outputs + manifest.json) into place as entry `key`.
   * If the entry already exists (another process won), the temporary folder is discarded.
   */
  async commit(tmp: string, key: string): Promise<void> {
    const dest = this.entryDir(key);
    // Explicit modes, whatever the umask or the stage did; a link among the outputs is refused.
    await setEntryModes(tmp);
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

/** True when a path exists (a link counts, even a dangling one: links are never followed). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
