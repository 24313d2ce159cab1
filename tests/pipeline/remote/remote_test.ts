/**
 * Remotes, end to end on the word-counter project (words -> count), against a real S3 API on
 * loopback (s3rver) and against a folder, with the same cases: the round trip into an empty
 * store reproduces with 0 stages run; a second push sends nothing; an interrupted push,
 * resumed; two pushes at once; a tampered, truncated or missing object refused and named at
 * pull, nothing of it entering the store and what was there staying; a partial pull
 * (`reproduce --pull`) keeps what verifies and runs the rest; `remote status`; and a remote
 * that cannot be used (wrong credentials, unknown bucket, unreachable endpoint, no folder)
 * is one sentence with exit code 2.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../../../pipeline/cli/main.ts";
import type { Project } from "../../../pipeline/graph/project.ts";
import { objectName, runName } from "../../../pipeline/remote/layout.ts";
import { openRemote } from "../../../pipeline/remote/open.ts";
import { pullTarget } from "../../../pipeline/remote/pull.ts";
import { pushTarget } from "../../../pipeline/remote/push.ts";
import type { Remote } from "../../../pipeline/remote/remote.ts";
import { remoteStatus } from "../../../pipeline/remote/status.ts";
import { reproduceTarget } from "../../../pipeline/run/reproduce.ts";
import { Store } from "../../../pipeline/store/store.ts";
import { verifyStore } from "../../../pipeline/store/verify.ts";
import { wordCountProject } from "../second_project/project.ts";
import { closedPort, S3_CREDENTIALS, type S3Server, startS3 } from "./s3_server.ts";

const TEXT = { text: "b A b a", case: "fold" };

/** Where a test's remotes live, with a way to damage an object there. */
interface Backend {
  kind: string;
  /** A fresh, empty remote's URL. */
  fresh(): Promise<string>;
  open(url: string): Remote;
  /** Replaces object `name` (null: removes it). */
  damage(url: string, name: string, data: Uint8Array | null): Promise<void>;
}

let seq = 0;

function dirBackend(base: string): Backend {
  return {
    kind: "folder",
    async fresh() {
      const dir = join(base, `remote-${seq++}`);
      await Deno.mkdir(dir, { recursive: true });
      return dir;
    },
    open: (url) => openRemote(url),
    async damage(url, name, data) {
      if (data === null) await Deno.remove(join(url, name));
      else await Deno.writeFile(join(url, name), data);
    },
  };
}

function s3Backend(server: S3Server): Backend {
  return {
    kind: "s3",
    fresh: () => Promise.resolve(`s3://runs/p${seq++}`),
    open: (url) =>
      openRemote(url, {
        s3: { endpoint: server.endpoint, region: "us-east-1", credentials: S3_CREDENTIALS },
      }),
    async damage(url, name, data) {
      const key = `${url.slice("s3://runs/".length)}/${name}`;
      if (data === null) await server.remove("runs", key);
      else await server.put("runs", key, data);
    },
  };
}

/** A word-counter project with its own artifacts folder. */
async function project(base: string): Promise<Project> {
  return wordCountProject(await Deno.makeTempDir({ dir: base, prefix: "artifacts-" }));
}

/** A project that has run TEXT. */
async function ranProject(base: string): Promise<Project> {
  const p = await project(base);
  await reproduceTarget(p, await p.resolveTarget(TEXT), {});
  return p;
}

async function push(p: Project, remote: Remote, jobs?: number) {
  const target = await p.resolveTarget(TEXT);
  return await pushTarget(p, target, new Store(p.artifactsRoot), remote, { jobs });
}

async function pull(p: Project, remote: Remote, partial = false, jobs?: number) {
  return await pullTarget(p, await p.resolveTarget(TEXT), new Store(p.artifactsRoot), remote, {
    partial,
    jobs,
  });
}

/** Every file under `dir` (relative path -> content), links and all, for comparing trees. */
async function tree(dir: string, at = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(join(dir, at))) {
    const rel = at ? `${at}/${e.name}` : e.name;
    if (e.isDirectory) Object.assign(out, await tree(dir, rel));
    else out[rel] = e.isFile ? await Deno.readTextFile(join(dir, rel)) : "(not a file)";
  }
  return out;
}

/** Runs the CLI in-process; returns its exit code and what it printed to stderr. */
async function cli(p: Project, args: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const { error, log } = console;
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  console.log = () => {};
  try {
    await main(p, args);
  } finally {
    console.error = error;
    console.log = log;
  }
  const code = Deno.exitCode;
  Deno.exitCode = 0;
  return { code, err: err.join("\n") };
}

/** The cases every kind of remote must pass. */
async function remoteCases(t: Deno.TestContext, base: string, b: Backend): Promise<void> {
  const src = await ranProject(base);
  const srcStore = new Store(src.artifactsRoot);
  const target = await src.resolveTarget(TEXT);

  await t.step(`${b.kind}: round trip, then a second push sends nothing`, async () => {
    const url = await b.fresh();
    const remote = b.open(url);
    try {
      const first = await push(src, remote);
      assert.equal(first.entries, 2);
      assert.equal(first.entriesSent, 2);
      assert.equal(first.objectsSent, 3); // words.txt, counts.json (also the result), provenance
      const again = await push(src, remote);
      // Entries already there are not looked into (their manifest went last); provenance.json is
      // the one object left to look up.
      assert.deepEqual([again.entriesSent, again.objectsSent, again.objectsSkipped], [0, 0, 1]);
      const dst = await project(base);
      const s = await pull(dst, remote);
      assert.deepEqual(s.problems, []);
      assert.equal(s.fetched, 2);
      assert.ok(s.published);
      const report = await reproduceTarget(dst, target, {});
      assert.deepEqual(report.outcomes.map((o) => o.status), ["cached", "cached"]);
      assert.equal(
        await Deno.readTextFile(join(dst.artifactsRoot, "results", target.name, "counts.json")),
        await Deno.readTextFile(join(target.resultsDir, "counts.json")),
      );
      const st = await remoteStatus(dst, target, new Store(dst.artifactsRoot), remote);
      assert.deepEqual(st.entries.map((e) => e.place), ["both", "both"]);
    } finally {
      remote.close();
    }
  });

  await t.step(`${b.kind}: an interrupted push leaves no run; the next one resumes`, async () => {
    const url = await b.fresh();
    const real = b.open(url);
    let uploads = 0;
    const flaky: Remote = {
      url,
      check: () => real.check(),
      has: (n) => real.has(n),
      download: (n, d) => real.download(n, d),
      upload: (n, s) => {
        if (++uploads > 1) return Promise.reject(new Error("connection lost"));
        return real.upload(n, s);
      },
      close: () => {},
    };
    try {
      await assert.rejects(() => push(src, flaky), /connection lost/);
      assert.equal(await real.has(runName(target.name)), false);
      const empty = await project(base);
      assert.equal((await pull(empty, real)).found, false);
      const resumed = await push(src, real);
      assert.deepEqual([resumed.objectsSent, resumed.objectsSkipped], [2, 1]);
      const dst = await project(base);
      assert.ok((await pull(dst, real)).published);
    } finally {
      real.close();
    }
  });

  await t.step(`${b.kind}: two pushes at once`, async () => {
    const url = await b.fresh();
    const remote = b.open(url);
    try {
      await Promise.all([push(src, remote), push(src, remote)]);
      const dst = await project(base);
      const s = await pull(dst, remote);
      assert.deepEqual(s.problems, []);
      assert.ok(s.published);
    } finally {
      remote.close();
    }
  });

  const countKey = JSON.parse(
    await Deno.readTextFile(join(src.artifactsRoot, "state", `${target.name}.json`)),
  ).nodes.count as string;
  const countSha = (await srcStore.readManifest(countKey))!.outputs["counts.json"].sha256;
  const damages: [string, Uint8Array | null, RegExp][] = [
    ["tampered", new TextEncoder().encode('{"a":3,"b":1}\n'), /tampered or truncated/],
    ["truncated", new TextEncoder().encode("{"), /tampered or truncated/],
    ["missing", null, /missing on the remote/],
  ];
  for (const [what, data, problem] of damages) {
    await t.step(`${b.kind}: a ${what} object is refused, named; the store stays`, async () => {
      const url = await b.fresh();
      const remote = b.open(url);
      try {
        await push(src, remote);
        await b.damage(url, objectName(countSha), data);
        // The destination already holds another run: it must stay as it was.
        const dst = await project(base);
        await reproduceTarget(dst, await dst.resolveTarget({ text: "x y", case: "fold" }), {});
        const dstStore = new Store(dst.artifactsRoot);
        const before = await dstStore.keys();
        const s = await pull(dst, remote);
        assert.ok(s.problems.some((p) => p.file.startsWith(objectName(countSha))));
        assert.ok(s.problems.some((p) => problem.test(p.problem)), JSON.stringify(s.problems));
        assert.ok(s.refused.includes(countKey));
        assert.equal(s.fetched, 0);
        assert.equal(s.published, false);
        assert.deepEqual(await dstStore.keys(), before);
        assert.equal((await verifyStore(dstStore)).problems.length, 0);
        assert.equal(await dstStore.cleanTemp(), 0); // no staging left behind
        // The CLI names the object and exits 1.
        const r = await cli(dst, ["pull", "--text", TEXT.text, "--remote", url]);
        assert.equal(r.code, 1);
        assert.match(r.err, new RegExp(objectName(countSha)));
        assert.match(r.err, /nothing entered the store/);
        // reproduce --pull keeps what verifies (words) and runs the rest (count).
        const partial = await pull(dst, remote, true);
        assert.equal(partial.fetched, 1);
        const report = await reproduceTarget(dst, target, {});
        assert.deepEqual(
          Object.fromEntries(report.outcomes.map((o) => [o.id, o.status])),
          { words: "cached", count: "ran" },
        );
      } finally {
        remote.close();
      }
    });
  }
}

Deno.test("folder remote", async (t) => {
  const base = await Deno.makeTempDir({ prefix: "remote-test-" });
  try {
    await remoteCases(t, base, dirBackend(base));
    await t.step("folder: a missing folder is one sentence, exit 2", async () => {
      const p = await ranProject(base);
      const r = await cli(p, ["push", "--text", TEXT.text, "--remote", join(base, "nowhere")]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /^error: the remote folder .*nowhere does not exist \(create it first\)$/,
      );
      const file = await cli(p, ["pull", "--text", TEXT.text, "--remote", "ftp://x/y"]);
      assert.equal(file.code, 2);
    });
    await t.step(
      "folder: pull from a remote without the target's run: one sentence, exit 2",
      async () => {
        const p = await project(base);
        const url = await dirBackend(base).fresh();
        const target = await p.resolveTarget(TEXT);
        const r = await cli(p, ["pull", "--text", TEXT.text, "--remote", url]);
        assert.deepEqual(r, {
          code: 2,
          err: `error: ${url} holds no run of target ${target.name}: push it there first`,
        });
      },
    );
    await t.step("folder: --jobs 1 and --jobs 8 push and pull the same files", async () => {
      const p = await ranProject(base);
      const target = await p.resolveTarget(TEXT);
      const [one, eight] = [await dirBackend(base).fresh(), await dirBackend(base).fresh()];
      const pushed = [
        await cli(p, ["push", "--text", TEXT.text, "--remote", one, "--jobs", "1"]),
        await cli(p, ["push", "--text", TEXT.text, "--remote", eight, "--jobs", "8"]),
      ];
      assert.deepEqual(pushed, [{ code: 0, err: "" }, { code: 0, err: "" }]);
      const run = runName(target.name);
      const [a, b] = [await tree(one), await tree(eight)];
      const index = (t: Record<string, string>) => ({ ...JSON.parse(t[run]), pushedAt: "" });
      assert.deepEqual(index(a), index(b));
      const countKey = index(b).state.nodes.count;
      delete a[run];
      delete b[run];
      assert.deepEqual(a, b);
      const [x, y] = [await project(base), await project(base)];
      const s1 = await pull(x, openRemote(one), false, 1);
      const s8 = await pull(y, openRemote(eight), false, 8);
      assert.deepEqual(s1, s8);
      assert.ok(s1.published);
      assert.deepEqual(
        await tree(join(x.artifactsRoot, "store")),
        await tree(join(y.artifactsRoot, "store")),
      );
      const results = (q: Project) => tree(join(q.artifactsRoot, "results"));
      assert.deepEqual(await results(x), await results(y));
      // A damaged object: the same problems, in the same order, whatever --jobs.
      const countSha = Object.values(
        JSON.parse(b[`entries/${countKey}.json`])
          .outputs as Record<string, { sha256: string }>,
      )[0].sha256;
      for (const url of [one, eight]) {
        await Deno.writeTextFile(join(url, objectName(countSha)), "{");
      }
      const [d1, d8] = [
        await pull(await project(base), openRemote(one), false, 1),
        await pull(await project(base), openRemote(eight), false, 8),
      ];
      assert.ok(d1.problems.length > 0);
      assert.deepEqual(d1, d8);
      const bad = await cli(p, ["pull", "--text", TEXT.text, "--remote", one, "--jobs", "0"]);
      assert.match(bad.err, /--jobs expects a positive integer, got "0"/);
    });
    await t.step("a link in place of an object is refused", async () => {
      const p = await ranProject(base);
      const url = await dirBackend(base).fresh();
      const remote = openRemote(url);
      await push(p, remote);
      const sha = (await new Store(p.artifactsRoot).readManifest(
        JSON.parse(
          await Deno.readTextFile(
            join(p.artifactsRoot, "state", `${(await p.resolveTarget(TEXT)).name}.json`),
          ),
        ).nodes.words,
      ))!.outputs["words.txt"].sha256;
      await Deno.remove(join(url, objectName(sha)));
      await Deno.symlink("/etc/hostname", join(url, objectName(sha)));
      const s = await pull(await project(base), remote);
      assert.ok(s.problems.some((pr) => /a link/.test(pr.problem)), JSON.stringify(s.problems));
      assert.equal(s.fetched, 0);
    });
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("S3 remote (s3rver on loopback)", async (t) => {
  const base = await Deno.makeTempDir({ prefix: "remote-test-" });
  const server = await startS3();
  const saved = ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]
    .map((k) => [k, Deno.env.get(k)] as const);
  try {
    await server.createBucket("runs");
    // The CLI opens remotes as the SDK configures itself: from the environment.
    Deno.env.set("AWS_ENDPOINT_URL", server.endpoint);
    Deno.env.set("AWS_REGION", "us-east-1");
    Deno.env.set("AWS_ACCESS_KEY_ID", S3_CREDENTIALS.accessKeyId);
    Deno.env.set("AWS_SECRET_ACCESS_KEY", S3_CREDENTIALS.secretAccessKey);
    await remoteCases(t, base, s3Backend(server));
    await t.step(
      "the CLI reads the SDK's environment; failures are one sentence, exit 2",
      async () => {
        const p = await ranProject(base);
        const args = ["--text", TEXT.text, "--remote"];
        assert.deepEqual(await cli(p, ["push", ...args, "s3://runs/cli"]), { code: 0, err: "" });
        const dst = await project(base);
        assert.equal((await cli(dst, ["pull", ...args, "s3://runs/cli"])).code, 0);
        assert.equal((await cli(dst, ["remote", "status", ...args, "s3://runs/cli"])).code, 0);

        const unknown = await cli(p, ["push", ...args, "s3://no-such-bucket/x"]);
        assert.deepEqual(unknown, {
          code: 2,
          err: `error: the bucket "no-such-bucket" does not exist at ${server.endpoint}`,
        });

        Deno.env.set("AWS_ACCESS_KEY_ID", "wrong");
        const creds = await cli(p, ["pull", ...args, "s3://runs/cli"]);
        assert.equal(creds.code, 2);
        assert.match(
          creds.err,
          /^error: the S3 remote s3:\/\/runs\/cli .* refused the credentials/,
        );
        assert.equal(creds.err.split("\n").length, 1);
        Deno.env.set("AWS_ACCESS_KEY_ID", S3_CREDENTIALS.accessKeyId);

        Deno.env.set("AWS_ENDPOINT_URL", `http://127.0.0.1:${closedPort()}`);
        const down = await cli(p, ["reproduce", "--pull", ...args, "s3://runs/cli"]);
        assert.equal(down.code, 2);
        assert.match(down.err, /^error: cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:\d+ /);
        assert.equal(down.err.split("\n").length, 1);
      },
    );
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
});
