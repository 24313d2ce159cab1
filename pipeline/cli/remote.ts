/**
 * `push`, `pull` and `remote status`: the CLI side of pipeline/remote/. The remote comes from
 * `--remote URL` or the project's `remoteEnv` variable. A remote that cannot be used (no
 * remote given, unreachable, refused credentials, unknown bucket or folder) exits with code 2
 * and one sentence, as does a pull from a remote that holds no run of the target; a pull that
 * refuses what came back exits with code 1, naming each object.
 */
import type { Command } from "@commander-js/extra-typings";
import type { Project, Target } from "../graph/project.ts";
import { CodeHasher } from "../graph/code_hash.ts";
import { openRemote } from "../remote/open.ts";
import { type PullSummary, pullTarget } from "../remote/pull.ts";
import { DEFAULT_JOBS, MAX_JOBS } from "../remote/pool.ts";
import { pushTarget } from "../remote/push.ts";
import { type Remote, RemoteError } from "../remote/remote.ts";
import { remoteStatus } from "../remote/status.ts";
import { Store } from "../store/store.ts";
import { formatBytes } from "./bundle.ts";
import { positiveInt, toTargetOptions, userCwd, withTargetOptions } from "./options.ts";

const REMOTE_FLAG = "--remote <url>";
const JOBS_FLAG = "--jobs <n>";
const JOBS_HELP = `transfers at once (default ${DEFAULT_JOBS}, at most ${MAX_JOBS})`;

/** `--jobs N`: a positive integer up to {@link MAX_JOBS}. */
function parseJobs(v: string): number {
  const n = positiveInt(v, "--jobs");
  if (n > MAX_JOBS) throw new Error(`--jobs: at most ${MAX_JOBS}, got ${n}`);
  return n;
}

function remoteHelp(p: Project): string {
  return `s3://bucket/prefix, file:///path or a folder${
    p.remoteEnv ? ` (default: $${p.remoteEnv})` : ""
  }`;
}

/** Opens the remote the user named (`--remote`, else the project's variable). */
export function userRemote(p: Project, url: string | undefined): Remote {
  const chosen = url ?? (p.remoteEnv ? Deno.env.get(p.remoteEnv) : undefined);
  if (!chosen) {
    throw new RemoteError(
      `no remote given: pass --remote URL${p.remoteEnv ? ` or set ${p.remoteEnv}` : ""}`,
    );
  }
  return openRemote(chosen, { cwd: userCwd() });
}

/**
 * Runs a remote command; a {@link RemoteError} becomes one line and exit code 2 (returns false).
 */
async function withRemote(
  p: Project,
  url: string | undefined,
  body: (remote: Remote) => Promise<void>,
): Promise<boolean> {
  let remote: Remote | null = null;
  try {
    remote = userRemote(p, url);
    await body(remote);
    return true;
  } catch (e) {
    if (!(e instanceof RemoteError)) throw e;
    console.error(`error: ${e.message}`);
    Deno.exitCode = 2;
    return false;
  } finally {
    remote?.close();
  }
}

/** Prints a pull's problems, code comparison and summary; returns its exit code. */
export function printPull(s: PullSummary, target: Target, remote: Remote): number {
  for (const pr of s.problems) console.error(`${pr.file}: ${pr.problem}`);
  for (const c of s.code ?? []) {
    if (c.same) continue;
    const why = c.checkout === null
      ? `module ${c.module} not in this checkout`
      : `code differs (${c.changed.join(", ")})`;
    console.log(`  stage ${c.stage}: ${why}; reproduce reruns it`);
  }
  if (!s.found) {
    // Nothing to pull is a remote that cannot serve this target: exit 2, as an unknown bucket.
    console.error(
      `error: ${remote.url} holds no run of target ${target.name}: push it there first`,
    );
    return 2;
  }
  const what = `${s.entries} entries: ${s.local} already here, ${s.fetched} fetched ` +
    `(${formatBytes(s.bytes)} downloaded)`;
  if (s.published) {
    console.log(`pulled ${target.name} from ${remote.url}: ${what}; results and state written`);
    return 0;
  }
  if (s.problems.length > 0 && s.fetched === 0 && s.refused.length + s.local < s.entries) {
    console.error(
      `refused ${target.name} from ${remote.url}: ${s.problems.length} problem(s); ` +
        `nothing entered the store`,
    );
    return 1;
  }
  console.log(
    `pulled what verified of ${target.name} from ${remote.url}: ${what}` +
      (s.refused.length > 0 ? `; refused ${s.refused.length}` : ""),
  );
  return s.problems.length > 0 ? 1 : 0;
}

/** Adds `push`, `pull` and `remote status` to the CLI. */
export function registerRemoteCommands(program: Command, p: Project): void {
  withTargetOptions(
    p,
    program.command("push")
      .description("send the target's last run (store entries, results, state) to a remote"),
  )
    .option(REMOTE_FLAG, remoteHelp(p))
    .option(JOBS_FLAG, JOBS_HELP, parseJobs)
    .action(async (f) => {
      const target = await p.resolveTarget(toTargetOptions(p, f));
      await withRemote(p, f.remote, async (remote) => {
        const t0 = performance.now();
        const s = await pushTarget(p, target, new Store(p.artifactsRoot), remote, {
          jobs: f.jobs,
        });
        const secs = ((performance.now() - t0) / 1000).toFixed(1);
        console.log(
          `pushed ${target.name} to ${remote.url}: ${s.entries} entries (${s.entriesSent} new), ` +
            `${s.objectsSent} objects sent, ${s.objectsSkipped} already there; ` +
            `${formatBytes(s.bytesSent)} sent of ${formatBytes(s.bytes)} in ${secs} s`,
        );
      });
    });

  withTargetOptions(
    p,
    program.command("pull")
      .description(
        "fetch the target's run from a remote; every file is verified before it enters the store",
      ),
  )
    .option(REMOTE_FLAG, remoteHelp(p))
    .option(JOBS_FLAG, JOBS_HELP, parseJobs)
    .action(async (f) => {
      const target = await p.resolveTarget(toTargetOptions(p, f));
      await withRemote(p, f.remote, async (remote) => {
        const t0 = performance.now();
        const s = await pullTarget(p, target, new Store(p.artifactsRoot), remote, {
          jobs: f.jobs,
          checkout: { root: p.root, hasher: await CodeHasher.load([p.entry], p.root) },
        });
        const code = printPull(s, target, remote);
        if (s.found) console.log(`in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        if (code !== 0) Deno.exitCode = code;
      });
    });

  const remoteCmd = program.command("remote").description("inspect a remote");
  withTargetOptions(
    p,
    remoteCmd.command("status")
      .description("per entry of the target: local, remote, both or missing"),
  )
    .option(REMOTE_FLAG, remoteHelp(p))
    .action(async (f) => {
      const target = await p.resolveTarget(toTargetOptions(p, f));
      await withRemote(p, f.remote, async (remote) => {
        const s = await remoteStatus(p, target, new Store(p.artifactsRoot), remote);
        console.log(
          `target ${target.name} on ${remote.url}: ` +
            (s.pushedAt ? `run pushed ${s.pushedAt}` : "no run pushed"),
        );
        const width = Math.max(4, ...s.entries.map((e) => e.node.length));
        for (const e of s.entries) {
          console.log(`  ${e.node.padEnd(width)}  ${e.key.slice(0, 12)}  ${e.place}`);
        }
        const count = (w: string) => s.entries.filter((e) => e.place === w).length;
        console.log(
          `${s.entries.length} entries: ${count("both")} both, ${count("local")} local only, ` +
            `${count("remote")} remote only, ${count("missing")} missing`,
        );
      });
    });
}

/**
 * `reproduce --pull`: fetches what verifies of the target's run on the remote before running
 * (a partial pull: refused or missing entries are left to the run). Returns false when the
 * remote cannot be used (already reported, exit code 2).
 */
export async function pullBeforeRun(
  p: Project,
  target: Target,
  url: string | undefined,
): Promise<boolean> {
  return await withRemote(p, url, async (remote) => {
    const s = await pullTarget(p, target, new Store(p.artifactsRoot), remote, { partial: true });
    for (const pr of s.problems) console.error(`${pr.file}: ${pr.problem}`);
    console.error(
      s.found
        ? `pulled from ${remote.url}: ${s.fetched} entries fetched, ${s.local} already here, ` +
          `${s.refused.length} refused or missing (the run makes them)`
        : `${remote.url} holds no run of target ${target.name}: running everything`,
    );
  });
}
