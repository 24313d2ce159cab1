/**
 * A folder as a remote (a shared disk): objects are files under it, written to a temporary
 * file beside their place and renamed, so a reader never sees half an object. The folder must
 * exist, as a bucket must. A link or anything but a plain file where an object should be is
 * refused.
 */
import { dirname, join } from "node:path";
import { type Remote, RemoteError } from "./remote.ts";

/** A folder remote. */
export class DirRemote implements Remote {
  readonly url: string;
  /** The folder. */
  readonly dir: string;

  constructor(url: string, dir: string) {
    this.url = url;
    this.dir = dir;
  }

  async check(): Promise<void> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(this.dir);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new RemoteError(`the remote folder ${this.dir} does not exist (create it first)`);
      }
      throw new RemoteError(`cannot read the remote folder ${this.dir}: ${(e as Error).message}`);
    }
    if (!info.isDirectory) throw new RemoteError(`the remote ${this.dir} is not a folder`);
  }

  async has(name: string): Promise<boolean> {
    try {
      return (await Deno.lstat(join(this.dir, name))).isFile;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    }
  }

  async download(name: string, dest: string): Promise<boolean> {
    const path = join(this.dir, name);
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    }
    if (!info.isFile) {
      throw new Error(`${name} on the remote is ${info.isSymlink ? "a link" : "not a plain file"}`);
    }
    await Deno.copyFile(path, dest);
    return true;
  }

  async upload(name: string, src: string): Promise<void> {
    const path = join(this.dir, name);
    await Deno.mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${crypto.randomUUID()}.tmp`;
    try {
      await Deno.copyFile(src, tmp);
      await Deno.rename(tmp, path);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
  }

  close(): void {}
}
