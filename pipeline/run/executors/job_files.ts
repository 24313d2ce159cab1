/**
 * The files a SLURM submission touches in shared folders, handled so that another user of the
 * cluster cannot hijack them (issue 19, item 11): batch scripts go to a folder the submitting
 * user created with mode 0700 (`store/.jobs/scripts-<uid>/`), each written under a fresh name with
 * O_EXCL, and reach `sbatch` on stdin, so that nothing a group member plants or swaps is read;
 * a job's log (`--output`) is never a link; a log named by a job record is read only when it is
 * the node's own log, never through a link, and only its last bytes.
 */
import { join } from "node:path";

/** Most bytes of a job log read to tell why a job ended. */
export const LOG_TAIL_BYTES = 4000;

/**
 * The submitting user's private folder for batch scripts under `jobsDir`, created with mode
 * 0700. Refused when it exists as a link, as something other than a folder, owned by another
 * user, or open to the group or others.
 */
export async function privateScriptsDir(jobsDir: string): Promise<string> {
  const uid = Deno.uid();
  const dir = join(jobsDir, `scripts-${uid ?? "user"}`);
  await Deno.mkdir(jobsDir, { recursive: true });
  try {
    await Deno.mkdir(dir, { mode: 0o700 });
    await Deno.chmod(dir, 0o700); // whatever the umask
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  const st = await Deno.lstat(dir);
  const problem = st.isSymlink
    ? "is a symbolic link"
    : !st.isDirectory
    ? "is not a folder"
    : uid !== null && st.uid !== uid
    ? `belongs to user ${st.uid}, not to you (${uid})`
    : (st.mode ?? 0) & 0o077
    ? `has mode ${((st.mode ?? 0) & 0o777).toString(8)}, not 700`
    : null;
  if (problem) {
    throw new Error(
      `${dir} ${problem}: refusing to write batch scripts there (someone may have planted it); ` +
        `remove it`,
    );
  }
  return dir;
}

/**
 * Writes a batch script under a fresh name (O_EXCL, mode 0600) in the user's private folder
 * ({@link privateScriptsDir}); returns its path. The script is kept for reading, never run from
 * there: `sbatch` gets its text on stdin ({@link sbatchStdin}).
 */
export async function writeJobScript(jobsDir: string, key: string, text: string): Promise<string> {
  const dir = await privateScriptsDir(jobsDir);
  const path = join(dir, `${key}.${crypto.randomUUID().slice(0, 8)}.sbatch`);
  const f = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  try {
    await f.write(new TextEncoder().encode(text));
  } finally {
    f.close();
  }
  // Earlier scripts of the same key are of no use once a new one is written.
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(`${key}.`) && join(dir, e.name) !== path) {
      await Deno.remove(join(dir, e.name)).catch(() => {});
    }
  }
  return path;
}

/**
 * Makes sure a job's log (`--output`, appended to) is a regular file of this user before `sbatch`
 * runs: created with O_EXCL when absent; refused when it or its folder is a link, or it is not a
 * regular file, or another user's. Returns its size (where this job's lines will start).
 */
export async function prepareJobLog(logsDir: string, log: string): Promise<number> {
  await Deno.mkdir(logsDir, { recursive: true });
  const dirSt = await Deno.lstat(logsDir);
  if (!dirSt.isDirectory) throw new Error(`${logsDir}: the logs folder is a link or not a folder`);
  try {
    const f = await Deno.open(log, { write: true, createNew: true, mode: 0o644 });
    f.close();
    return 0;
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  const st = await Deno.lstat(log);
  const uid = Deno.uid();
  if (st.isSymlink || !st.isFile || (uid !== null && st.uid !== uid)) {
    throw new Error(
      `${log}: the job log is ${
        st.isSymlink ? "a symbolic link" : "not a regular file of yours"
      }; ` +
        `refusing to let the job write through it (remove it)`,
    );
  }
  return st.size;
}

/**
 * The end of what a job appended to its log (from byte `from`, at most {@link LOG_TAIL_BYTES}),
 * read only when `path` is `expected` (the node's own log) and a regular file, never through a
 * link; otherwise "".
 */
export async function readLogTail(path: string, expected: string, from: number): Promise<string> {
  if (path !== expected) return "";
  let f: Deno.FsFile;
  try {
    const st = await Deno.lstat(path);
    if (!st.isFile) return "";
    f = await Deno.open(path, { read: true });
    const opened = await f.stat();
    // The file opened must be the one looked at (no link swapped in between).
    if (opened.ino !== st.ino || opened.dev !== st.dev) {
      f.close();
      return "";
    }
  } catch {
    return "";
  }
  try {
    const size = (await f.stat()).size;
    const start = Math.min(size, Math.max(from, size - LOG_TAIL_BYTES));
    await f.seek(start, Deno.SeekMode.Start);
    const buf = new Uint8Array(size - start);
    let got = 0;
    while (got < buf.length) {
      const n = await f.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    return new TextDecoder().decode(buf.subarray(0, got));
  } finally {
    f.close();
  }
}

/** Runs `sbatch` with the script's text on stdin (never a path another user could swap). */
export async function sbatchStdin(
  sbatch: string,
  args: string[],
  script: string,
): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const p = new Deno.Command(sbatch, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(script)).catch(() => {});
    await w.close().catch(() => {});
    const o = await p.output();
    const dec = new TextDecoder();
    return { ok: o.success, out: dec.decode(o.stdout), err: dec.decode(o.stderr).trim() };
  } catch (e) {
    return { ok: false, out: "", err: (e as Error).message };
  }
}
