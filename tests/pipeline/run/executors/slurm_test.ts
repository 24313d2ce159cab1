/**
 * The SLURM executor against a real one-node cluster (scripts/slurm-local.sh; no accounting
 * database, so `sacct` fails throughout): the same results as a local run (toy graph and the
 * AMR smoke graph), a job cancelled mid-stage is resubmitted and resumes from its checkpoint,
 * a killed controller's jobs are
 * adopted by the next one without rerunning anything, Ctrl-C cancels the run's jobs, and a
 * flaky `squeue` causes no duplicate. The file brings the cluster up itself and, when it started
 * it, brings it down after its last test (or at exit). It installs nothing: .ci/run installs
 * slurm-wlm and munge; without them, or without root, the tests are skipped, saying why.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../../..", import.meta.url));
const TOY = fileURLToPath(new URL("./toy_cluster/main.ts", import.meta.url));
const SCRIPT = join(REPO, "scripts/slurm-local.sh");
const CLUSTER_DIR = "/tmp/amr-slurm-local";
const SLURM_CONF = join(CLUSTER_DIR, "slurm.conf");

function has(bin: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    try {
      Deno.statSync(join(dir, bin));
      return true;
    } catch { /* next */ }
  }
  return false;
}

async function sh(cmd: string, args: string[], env: Record<string, string> = {}) {
  const o = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

/** Whether this file started the cluster (and so must stop it). */
let startedHere = false;

/** Why the cluster cannot be had here, or null once it is up. */
async function clusterUp(): Promise<string | null> {
  if (Deno.uid() !== 0) return "not root (the local cluster runs SlurmUser=root)";
  if (!has("slurmctld") || !has("munged") || !has("sbatch")) {
    return "slurm-wlm and munge are not installed (.ci/run installs them)";
  }
  const env = { SLURM_LOCAL_DIR: CLUSTER_DIR };
  const running = await sh(SCRIPT, ["status"], env);
  if (running.code === 0) return null; // someone else's cluster: use it, leave it running
  const r = await sh(SCRIPT, ["up"], env);
  startedHere = true;
  if (r.code !== 0) {
    stopCluster();
    throw new Error(`slurm-local.sh up failed:\n${r.out}${r.err}`);
  }
  return null;
}

/** Stops the daemons this file started (by their pid files); a no-op otherwise. */
function stopCluster(): void {
  if (!startedHere) return;
  startedHere = false;
  const o = new Deno.Command(SCRIPT, {
    args: ["stop"],
    env: { SLURM_LOCAL_DIR: CLUSTER_DIR },
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (!o.success) console.warn(`slurm-local.sh stop failed: ${new TextDecoder().decode(o.stderr)}`);
}

// At exit too, so that a failed or filtered run leaves no daemon behind.
globalThis.addEventListener("unload", stopCluster);

const skipReason = await clusterUp();
if (skipReason) console.warn(`SLURM tests skipped: ${skipReason}`);

interface Env {
  art: string;
  ledger: string;
  env: Record<string, string>;
}

async function toyEnv(extra: Record<string, unknown> = {}, slowMs = 0): Promise<Env> {
  const dir = await Deno.makeTempDir({ prefix: "amr-slurm-test-" });
  const executors = join(dir, "executors");
  await Deno.mkdir(executors);
  await Deno.writeTextFile(
    join(executors, "test.json"),
    JSON.stringify({
      executor: "slurm",
      cpusPerTask: 1,
      pollSeconds: 0.5,
      goneAfterPolls: 2,
      ...extra,
    }),
  );
  const art = join(dir, "artifacts");
  const ledger = join(dir, "ledger.txt");
  return {
    art,
    ledger,
    env: {
      TOY_ARTIFACTS: art,
      TOY_EXECUTORS: executors,
      TOY_LEDGER: ledger,
      TOY_SLOW_MS: String(slowMs),
      PIPELINE_CHECKPOINT_EPOCHS: "1",
      SLURM_CONF,
    },
  };
}

/** Controllers a test started that may still run (a failed test must not leave them). */
const live = new Set<Deno.ChildProcess>();

function spawnToy(e: Env, args: string[]): Deno.ChildProcess {
  const p = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", TOY, ...args],
    env: e.env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  live.add(p);
  p.status.then(() => live.delete(p));
  return p;
}

/** Runs a test body; interrupts (so they cancel their jobs) controllers it left running. */
function cleanly(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } finally {
      for (const p of live) {
        try {
          p.kill("SIGINT");
        } catch { /* already gone */ }
        await p.status;
      }
    }
  };
}

async function finish(p: Deno.ChildProcess) {
  const o = await p.output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

async function ledgerLines(e: Env): Promise<string[]> {
  try {
    return (await Deno.readTextFile(e.ledger)).trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

function starts(lines: string[], what: string): number {
  return lines.filter((l) => l.startsWith(`start ${what} `)).length;
}

// Generous: on a shared machine the one-node cluster may be busy with other jobs.
async function waitFor(what: string, cond: () => Promise<boolean>, ms = 300_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until some node of the run has written a checkpoint. */
function waitForCheckpoint(e: Env): Promise<void> {
  return waitFor("a checkpoint", async () => {
    const d = await Array.fromAsync(Deno.readDir(join(e.art, "store/.checkpoints"))).catch(
      () => [],
    );
    return d.some((f) => f.name.endsWith(".ckpt"));
  });
}

/** The job id recorded for a node (store/.jobs/<key>.json), or null. */
async function jobOf(e: Env, node: string): Promise<string | null> {
  try {
    for await (const f of Deno.readDir(join(e.art, "store/.jobs"))) {
      if (!f.name.endsWith(".json")) continue;
      const rec = JSON.parse(await Deno.readTextFile(join(e.art, "store/.jobs", f.name)));
      if (rec.node === node) return rec.jobId;
    }
  } catch { /* not yet */ }
  return null;
}

async function queued(jobId: string): Promise<string | null> {
  const r = await sh("squeue", ["--noheader", "--format=%i %T"], { SLURM_CONF });
  const line = r.out.split("\n").find((l) => l.trim().split(/\s+/)[0] === jobId);
  return line ? line.trim().split(/\s+/)[1] : null;
}

const LEFT = "left@a=1,b=2";
const opts = { ignore: skipReason !== null, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "toy graph: --executor slurm gives the local run's result; status shows no job after",
  ...opts,
  fn: cleanly(async () => {
    const local = await toyEnv();
    const l = await finish(spawnToy(local, ["reproduce", "--executor", "local"]));
    assert.equal(l.code, 0, l.err);
    const e = await toyEnv();
    const r = await finish(spawnToy(e, ["reproduce", "--executor", "test"]));
    assert.equal(r.code, 0, r.err);
    assert.equal(
      await Deno.readTextFile(join(e.art, "results/total.txt")),
      await Deno.readTextFile(join(local.art, "results/total.txt")),
    );
    assert.equal((await Deno.readTextFile(join(e.art, "results/total.txt"))).trim(), "23");
    // Same keys, same entries.
    const state = (a: string) => Deno.readTextFile(join(a, "state/toy.json")).then(JSON.parse);
    assert.deepEqual((await state(e.art)).nodes, (await state(local.art)).nodes);
    assert.equal((r.err.match(/submitted job/g) ?? []).length, 4);
    // Job logs under artifacts/logs/<node>.log, node ids with @ = , intact.
    assert.match(await Deno.readTextFile(join(e.art, "logs", `${LEFT}.log`)), /committed left@/);
    const st = await finish(spawnToy(e, ["status"]));
    assert.match(st.out, /everything is up to date/);
  }),
});

Deno.test({
  name: "a job cancelled mid-stage is resubmitted and resumes from its checkpoint",
  ...opts,
  fn: cleanly(async () => {
    const e = await toyEnv({}, 250);
    const p = spawnToy(e, ["reproduce", "--executor", "test"]);
    const out = finish(p);
    await waitFor("left to start", async () => starts(await ledgerLines(e), "step add=1") === 1);
    await waitForCheckpoint(e);
    const job = await jobOf(e, LEFT);
    assert.ok(job);
    const st = await finish(spawnToy(e, ["status"]));
    assert.match(
      st.out,
      new RegExp(`${LEFT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*job ${job} running`),
    );
    const c = await sh("scancel", [job], { SLURM_CONF });
    assert.equal(c.code, 0, c.err);
    const r = await out;
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.err,
      new RegExp(`job ${job} ended without an entry .*resubmitting \\(retry 1 of 2\\)`),
    );
    const lines = await ledgerLines(e);
    assert.equal(starts(lines, "step add=1"), 2);
    // The resubmitted job resumed from the cancelled one's checkpoint.
    const resumed = lines.filter((l) => l.startsWith("start step add=1 "))[1];
    const from = Number(/from=(\d+)/.exec(resumed)?.[1]);
    assert.ok(from > 0 && from < 20, resumed);
    assert.equal(starts(lines, "source"), 1);
    assert.equal((await Deno.readTextFile(join(e.art, "results/total.txt"))).trim(), "23");
  }),
});

Deno.test({
  name: "a killed controller's jobs are adopted by the next one; nothing reruns",
  ...opts,
  fn: cleanly(async () => {
    const e = await toyEnv({}, 200);
    const p = spawnToy(e, ["reproduce", "--executor", "test"]);
    await waitFor("left to start", async () => starts(await ledgerLines(e), "step add=1") === 1);
    const job = await jobOf(e, LEFT);
    p.kill("SIGKILL");
    await p.output();
    const r = await finish(spawnToy(e, ["reproduce", "--executor", "test"]));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`found job ${job} from an earlier controller`));
    const lines = await ledgerLines(e);
    for (const what of ["source", "step add=1", "step add=2", "step add=0"]) {
      assert.equal(starts(lines, what), 1, `${what}: ${lines.join("; ")}`);
    }
    assert.match(r.out, /source\s+cached/);
  }),
});

Deno.test({
  name: "Ctrl-C cancels the run's jobs",
  ...opts,
  fn: cleanly(async () => {
    const e = await toyEnv({}, 500);
    const p = spawnToy(e, ["reproduce", "--executor", "test"]);
    const out = finish(p);
    await waitFor("left to start", async () => starts(await ledgerLines(e), "step add=1") === 1);
    const job = await jobOf(e, LEFT);
    assert.ok(job);
    p.kill("SIGINT");
    const r = await out;
    assert.notEqual(r.code, 0);
    assert.match(r.err, new RegExp(`cancelled \\d+ job\\(s\\) of this run: .*\\b${job}\\b`));
    await waitFor("the job to leave the queue", async () => {
      const s = await queued(job!);
      return s === null || !["PENDING", "RUNNING"].includes(s);
    }, 20_000);
  }),
});

Deno.test({
  name: "failed and empty squeue answers cause no duplicate submission or run",
  ...opts,
  fn: cleanly(async () => {
    const dir = await Deno.makeTempDir({ prefix: "amr-flaky-squeue-" });
    const flaky = join(dir, "squeue");
    // Cycle: an error, an empty successful answer, a true answer.
    await Deno.writeTextFile(
      flaky,
      `#!/bin/bash
n=$(cat '${dir}/n' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${dir}/n'
case $((n % 3)) in
  1) echo "slurm_load_jobs error: Socket timed out on send/recv operation" >&2; exit 1 ;;
  2) exit 0 ;;
  *) exec squeue "$@" ;;
esac
`,
    );
    await Deno.chmod(flaky, 0o755);
    const e = await toyEnv({ commands: { squeue: flaky } }, 150);
    const r = await finish(spawnToy(e, ["reproduce", "--executor", "test"]));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /squeue failed \(slurm_load_jobs error/);
    assert.ok(Number(await Deno.readTextFile(join(dir, "n"))) >= 6, "squeue was asked");
    assert.equal((r.err.match(/submitted job/g) ?? []).length, 4, r.err);
    const lines = await ledgerLines(e);
    for (const what of ["source", "step add=1", "step add=2", "step add=0"]) {
      assert.equal(starts(lines, what), 1, `${what}: ${lines.join("; ")}`);
    }
  }),
});

Deno.test({
  name: "a fused group is one job; cancelled, it is resubmitted and every member resumes",
  ...opts,
  fn: cleanly(async () => {
    // The same slow steps (a param of `left`), so that the keys compare.
    const local = await toyEnv({}, 250);
    const l = await finish(spawnToy(local, ["reproduce", "--executor", "local", "--no-fuse"]));
    assert.equal(l.code, 0, l.err);
    const e = await toyEnv({}, 250);
    e.env.TOY_FUSE = "1";
    const p = spawnToy(e, ["reproduce", "--executor", "test"]);
    const out = finish(p);
    await waitFor("the group to start", async () => starts(await ledgerLines(e), "group") === 1);
    await waitForCheckpoint(e);
    const job = await jobOf(e, LEFT);
    assert.ok(job);
    assert.equal((await sh("scancel", [job], { SLURM_CONF })).code, 0);
    const r = await out;
    assert.equal(r.code, 0, r.err);
    // source, the group (twice: cancelled and resubmitted) and total.
    assert.match(r.err, /submitted job \d+ for 2 fused nodes/);
    assert.equal((r.err.match(/submitted job/g) ?? []).length, 4);
    const lines = await ledgerLines(e);
    assert.equal(starts(lines, "group"), 2);
    const resumed = lines.filter((l) => l.startsWith("start step add=1 "))[1];
    const from = Number(/from=(\d+)/.exec(resumed)?.[1]);
    assert.ok(from > 0 && from < 20, resumed);
    // The same entries as the local run one node at a time.
    const state = (a: string) => Deno.readTextFile(join(a, "state/toy.json")).then(JSON.parse);
    assert.deepEqual((await state(e.art)).nodes, (await state(local.art)).nodes);
    assert.equal((await Deno.readTextFile(join(e.art, "results/total.txt"))).trim(), "23");
  }),
});

Deno.test({
  name: "AMR smoke graph: --executor slurm gives the local run's tables and metrics",
  ...opts,
  fn: cleanly(async () => {
    const main = join(REPO, "main.ts");
    const run = async (art: string, extra: string[]) => {
      const r = await sh(Deno.execPath(), [
        "run",
        "--allow-all",
        main,
        "reproduce",
        "--profile",
        "smoke",
        "--dataset",
        "smoke",
        ...extra,
      ], { AMR_ARTIFACTS: art, SLURM_CONF, CI: "true" });
      assert.equal(r.code, 0, r.err);
      return join(art, "results/smoke/smoke");
    };
    const base = await Deno.makeTempDir({ prefix: "amr-slurm-smoke-" });
    const [local, slurm] = await Promise.all([
      run(join(base, "local"), []),
      run(join(base, "slurm"), ["--executor", "slurm", "--cpus-per-task", "1"]),
    ]);
    assert.equal(
      await Deno.readTextFile(join(slurm, "metrics.json")),
      await Deno.readTextFile(join(local, "metrics.json")),
    );
    for await (const f of Deno.readDir(join(local, "tables"))) {
      assert.equal(
        await Deno.readTextFile(join(slurm, "tables", f.name)),
        await Deno.readTextFile(join(local, "tables", f.name)),
        f.name,
      );
    }
  }),
});

Deno.test({
  name: "the cluster this file started is stopped after its tests",
  ...opts,
  fn: async () => {
    const wasStarted = startedHere;
    stopCluster();
    const st = await sh(SCRIPT, ["status"], { SLURM_LOCAL_DIR: CLUSTER_DIR });
    if (wasStarted) assert.notEqual(st.code, 0, st.out);
  },
});
