/**
 * SLURM test hygiene (issue 19, item 12): no test installs packages (.ci/run does), and the
 * local cluster script can say whether it runs and stop what it started (`status`, `stop`),
 * which slurm_test.ts uses to bring down the cluster it brought up.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../../..", import.meta.url));
const SCRIPT = `${REPO}scripts/slurm-local.sh`;

Deno.test("slurm tests: nothing is installed from a test; .ci/run installs slurm-wlm and munge", async () => {
  const test = await Deno.readTextFile(new URL("./slurm_test.ts", import.meta.url));
  assert.doesNotMatch(test, /apt-get (update|install)|"apt-get"/);
  assert.match(test, /addEventListener\("unload", stopCluster\)/);
  assert.match(await Deno.readTextFile(`${REPO}.ci/run`), /apt-get install -y slurm-wlm munge/);
});

Deno.test("slurm-local.sh: status says what does not run; stop is a no-op without pid files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slurm-local-test-" });
  const run = (cmd: string) =>
    new Deno.Command(SCRIPT, {
      args: [cmd],
      env: { SLURM_LOCAL_DIR: dir },
      stdout: "piped",
      stderr: "piped",
    }).output();
  const st = await run("status");
  assert.equal(st.code, 1);
  assert.match(new TextDecoder().decode(st.stdout), /not running: munged slurmctld slurmd/);
  const stop = await run("stop");
  assert.equal(stop.code, 0, new TextDecoder().decode(stop.stderr));
});
