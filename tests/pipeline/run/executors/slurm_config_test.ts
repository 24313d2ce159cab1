/**
 * SLURM options and job scripts without a cluster (pipeline/run/executors/slurm_config.ts,
 * slurm.ts): a bad config field is named, per-stage overrides win, sbatch gets one argument per
 * option, and the generated script keeps every value intact through bash, quotes, `$`, spaces
 * and the `@ = ,` of node ids included.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  loadSlurmConfig,
  parseSlurmConfig,
  resourcesFor,
  sbatchArgs,
} from "../../../../pipeline/run/executors/slurm_config.ts";
import { batchScript, logName, shellQuote } from "../../../../pipeline/run/executors/slurm.ts";

Deno.test("config: defaults, bad fields named, per-stage overrides, sbatch arguments", async () => {
  const cfg = parseSlurmConfig({
    executor: "slurm",
    partition: "cpu",
    time: "1:00:00",
    cpusPerTask: 2,
    sbatchFlags: ["--qos=long"],
    stages: { vbpr: { time: "8:00:00", sbatchFlags: ["--constraint=avx2"] } },
  }, "x.json");
  assert.equal(cfg.maxRetries, 2);
  assert.deepEqual(sbatchArgs(resourcesFor(cfg, "vbpr")), [
    "--partition=cpu",
    "--time=8:00:00",
    "--cpus-per-task=2",
    "--qos=long",
    "--constraint=avx2",
  ]);
  assert.deepEqual(sbatchArgs(resourcesFor(cfg, "split")), [
    "--partition=cpu",
    "--time=1:00:00",
    "--cpus-per-task=2",
    "--qos=long",
  ]);
  assert.throws(
    () => parseSlurmConfig({ executor: "slurm", time: "2 hours" }, "x.json"),
    /x\.json: field time: /,
  );
  assert.throws(
    () => parseSlurmConfig({ executor: "slurm", mem: "lots" }, "x.json"),
    /field mem: /,
  );
  assert.throws(() => parseSlurmConfig({ executor: "slurm", nodes: 3 }, "x.json"), /nodes/);
  assert.throws(
    () => parseSlurmConfig({ executor: "slurm", stages: { vbpr: { cpusPerTask: 0 } } }, "x.json"),
    /field stages\.vbpr\.cpusPerTask: /,
  );
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "c.json"), "{ nope");
  await assert.rejects(loadSlurmConfig(dir, "c"), /executor config .*c\.json: invalid JSON/);
  // A FIFO in place of the config is refused at once (a read would wait for a writer forever).
  const made = await new Deno.Command("mkfifo", { args: [join(dir, "fifo.json")] }).output();
  assert.equal(made.code, 0);
  await assert.rejects(
    loadSlurmConfig(dir, "fifo"),
    /executor config .*fifo\.json: is a FIFO \(named pipe\); an? executor config must be a regular file of at most 4 MiB/,
  );
  await assert.rejects(loadSlurmConfig(dir, "missing"), /no .*missing\.json/);
  await assert.rejects(loadSlurmConfig(dir, "../etc"), /bad name/);
  assert.equal((await loadSlurmConfig(dir, "slurm")).executor, "slurm");
});

Deno.test("job script: every value survives bash intact", async () => {
  const root = await Deno.makeTempDir({ prefix: "amr it's $HOME " });
  const key = "a".repeat(64);
  const weird = `it's "$HOME" \`id\` ; rm -rf / @=,`;
  const run = async (command: string[]) => {
    const script = join(root, "job.sh");
    await Deno.writeTextFile(
      script,
      batchScript({
        nodeId: "amr@eps=0.1,lambda=1",
        keys: [key],
        root,
        command,
        env: { X: weird },
      }),
    );
    const o = await new Deno.Command("bash", { args: [script], stdout: "piped" }).output();
    assert.equal(o.code, 0);
    return new TextDecoder().decode(o.stdout);
  };
  assert.equal(await run(["printf", "%s|", weird]), `${weird}|run-node|${key}|`);
  assert.equal(await run(["sh", "-c", 'printf "%s" "$X"; pwd', "sh"]), `${weird}${root}\n`);
  assert.equal(shellQuote("a'b"), `'a'\\''b'`);
  assert.equal(logName("amr@eps=0.1,lambda=1"), "amr@eps=0.1,lambda=1.log");
  assert.equal(logName("a/b"), "a_b.log");
  assert.throws(
    () => batchScript({ nodeId: "n", keys: [key], root, command: ["x"], env: { "A;B": "1" } }),
    /bad environment name/,
  );
});
