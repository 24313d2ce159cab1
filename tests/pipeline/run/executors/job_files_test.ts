/**
 * The SLURM executor's files in the shared `store/.jobs/` and logs folders (issue 19, item 11),
 * each tried with a planted symbolic link: a batch script is written with O_EXCL in a 0700 folder
 * of the submitting user and reaches sbatch on stdin; a job log is never a link; a job record's
 * log path is read only when it is the node's own log, never through a link, and only its tail.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  LOG_TAIL_BYTES,
  prepareJobLog,
  privateScriptsDir,
  readLogTail,
  sbatchStdin,
  writeJobScript,
} from "../../../../pipeline/run/executors/job_files.ts";
import { readJobRecord } from "../../../../pipeline/run/executors/job_record.ts";
import { Store } from "../../../../pipeline/store/store.ts";

const KEY = "a".repeat(64);

async function sandbox(): Promise<{ dir: string; jobs: string; victim: string }> {
  const dir = await Deno.makeTempDir({ prefix: "job-files-test-" });
  const jobs = join(dir, "store/.jobs");
  await Deno.mkdir(jobs, { recursive: true });
  const victim = join(dir, "victim.txt");
  await Deno.writeTextFile(victim, "the victim's file\n");
  return { dir, jobs, victim };
}

Deno.test("job script: a link planted at the old predictable path is neither followed nor used", async () => {
  const { jobs, victim } = await sandbox();
  await Deno.symlink(victim, join(jobs, `${KEY}.sbatch`));
  const path = await writeJobScript(jobs, KEY, "#!/bin/bash\necho mine\n");
  assert.equal(await Deno.readTextFile(victim), "the victim's file\n");
  assert.equal(await Deno.readTextFile(path), "#!/bin/bash\necho mine\n");
  const dir = join(jobs, `scripts-${Deno.uid()}`);
  assert.ok(path.startsWith(dir + "/"), path);
  assert.equal((await Deno.lstat(dir)).mode! & 0o777, 0o700);
  assert.equal((await Deno.lstat(path)).mode! & 0o777, 0o600);
  // A second script of the key gets a fresh name; the first is gone.
  const again = await writeJobScript(jobs, KEY, "#!/bin/bash\necho again\n");
  assert.notEqual(again, path);
  await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
});

Deno.test("job script: a planted scripts folder (a link, or open to others) is refused", async () => {
  const { dir, jobs, victim } = await sandbox();
  const theirs = join(dir, "theirs");
  await Deno.mkdir(theirs, { mode: 0o777 });
  await Deno.symlink(theirs, join(jobs, `scripts-${Deno.uid()}`));
  await assert.rejects(
    writeJobScript(jobs, KEY, "x"),
    /scripts-\d+ is a symbolic link: refusing to write batch scripts there/,
  );
  assert.deepEqual(await Array.fromAsync(Deno.readDir(theirs)), []);
  await Deno.remove(join(jobs, `scripts-${Deno.uid()}`));
  await Deno.mkdir(join(jobs, `scripts-${Deno.uid()}`));
  await Deno.chmod(join(jobs, `scripts-${Deno.uid()}`), 0o777);
  await assert.rejects(privateScriptsDir(jobs), /has mode 777, not 700/);
  assert.equal(await Deno.readTextFile(victim), "the victim's file\n");
});

Deno.test("job script: sbatch gets the script's text on stdin, no path", async () => {
  const { dir } = await sandbox();
  const fake = join(dir, "sbatch");
  await Deno.writeTextFile(
    fake,
    `#!/bin/bash\nprintf '%s\\n' "$@" > '${dir}/args'\ncat > '${dir}/stdin'\necho 42\n`,
  );
  await Deno.chmod(fake, 0o755);
  const r = await sbatchStdin(fake, ["--parsable", "--job-name=n"], "#!/bin/bash\necho hi\n");
  assert.deepEqual(r, { ok: true, out: "42\n", err: "" });
  assert.equal(await Deno.readTextFile(join(dir, "stdin")), "#!/bin/bash\necho hi\n");
  assert.equal(await Deno.readTextFile(join(dir, "args")), "--parsable\n--job-name=n\n");
});

Deno.test("job log: a link planted as the --output log is refused; a fresh log is created", async () => {
  const { dir, victim } = await sandbox();
  const logs = join(dir, "logs");
  await Deno.mkdir(logs);
  const log = join(logs, "node.log");
  await Deno.symlink(victim, log);
  await assert.rejects(prepareJobLog(logs, log), /node\.log: the job log is a symbolic link/);
  await Deno.remove(log);
  assert.equal(await prepareJobLog(logs, log), 0);
  assert.ok((await Deno.lstat(log)).isFile);
  await Deno.writeTextFile(log, "earlier attempt\n");
  assert.equal(await prepareJobLog(logs, log), 16);
  // The logs folder itself planted as a link.
  const logs2 = join(dir, "logs2");
  await Deno.symlink(dir, logs2);
  await assert.rejects(prepareJobLog(logs2, join(logs2, "n.log")), /is a link or not a folder/);
  assert.equal(await Deno.readTextFile(victim), "the victim's file\n");
});

Deno.test("job record: its log is read only as the node's own log, never through a link, capped", async () => {
  const { dir, victim } = await sandbox();
  const logs = join(dir, "logs");
  await Deno.mkdir(logs);
  const own = join(logs, "node.log");
  // A record naming another file (e.g. a secret) is not read.
  assert.equal(await readLogTail(victim, own, 0), "");
  // The node's own log replaced by a link to the secret is not read.
  await Deno.symlink(victim, own);
  assert.equal(await readLogTail(own, own, 0), "");
  await Deno.remove(own);
  // A large log: only its last bytes.
  await Deno.writeTextFile(own, "x".repeat(100_000) + "\nerror: the end\n");
  const tail = await readLogTail(own, own, 0);
  assert.equal(tail.length, LOG_TAIL_BYTES);
  assert.ok(tail.endsWith("error: the end\n"));
  assert.equal(await readLogTail(own, own, 100_001), "error: the end\n");
});

Deno.test("job record: a record that is a link, too large, or names a non-log path is refused", async () => {
  const { dir, victim } = await sandbox();
  const store = new Store(dir);
  const path = join(store.dir, ".jobs", `${KEY}.json`);
  await Deno.mkdir(join(store.dir, ".jobs"), { recursive: true });
  const rec = {
    key: KEY,
    node: "n",
    jobId: "7",
    retries: 0,
    requeues: 0,
    submittedAt: "2024-01-01T00:00:00Z",
    log: "/etc/shadow",
    logFrom: 0,
  };
  await Deno.writeTextFile(path, JSON.stringify(rec));
  await assert.rejects(readJobRecord(store, KEY), /field log: an absolute path to a \.log file/);
  await Deno.writeTextFile(
    path,
    JSON.stringify({ ...rec, log: "/x/" + "a".repeat(5000) + ".log" }),
  );
  await assert.rejects(readJobRecord(store, KEY), /field log/);
  await Deno.writeTextFile(path, JSON.stringify({ ...rec, log: join(dir, "logs/n.log") }));
  assert.equal((await readJobRecord(store, KEY))?.jobId, "7");
  await Deno.remove(path);
  await Deno.symlink(victim, path);
  await assert.rejects(readJobRecord(store, KEY), /not a regular file \(a link\?\)/);
});
