import { missingSharedReason } from "../shared_data.ts";
/**
 * `data fetch pinterest` against a local HTTP server on 127.0.0.1 that serves the authors'
 * repository layout (the real `pos.txt`, a generated `neg.txt` and features, the pickled
 * weights fixture): success and verification on a second run, resume after a cut connection,
 * checksum mismatch (pinned `pos.txt`, and a lock-file hash), and a server that is down.
 */
import { join } from "node:path";
import {
  assert,
  assertIncludes,
  ROOT,
  runCli,
  storeEntries,
  writeAuthorsFolder,
} from "./helpers.ts";
import { POS_SHA256 } from "../../datasets/authors_files.ts";

interface Served {
  files: Map<string, Uint8Array<ArrayBuffer>>;
  /** Paths whose next full (non-range) response is cut after half the bytes. */
  cut: Set<string>;
  /** Requests seen: `path range`. */
  log: string[];
}

function startServer(served: Served): { url: string; close: () => Promise<void> } {
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
    onError: () => new Response("error", { status: 500 }),
  }, (req) => {
    const path = new URL(req.url).pathname.replace(/^\/repo\//, "");
    const range = req.headers.get("range");
    served.log.push(`${path} ${range ?? "-"}`);
    const body = served.files.get(path);
    if (!body) return new Response("not found", { status: 404 });
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      const from = Number(m[1]);
      return new Response(body.slice(from), {
        status: 206,
        headers: {
          "content-range": `bytes ${from}-${body.length - 1}/${body.length}`,
          "content-length": String(body.length - from),
        },
      });
    }
    if (served.cut.delete(path)) {
      const half = body.slice(0, Math.floor(body.length / 2));
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(half);
          setTimeout(() => c.error(new Error("cut")), 20);
        },
      });
      return new Response(stream, { headers: { "content-length": String(body.length) } });
    }
    return new Response(body, { headers: { "content-length": String(body.length) } });
  });
  const addr = server.addr as Deno.NetAddr;
  return { url: `http://127.0.0.1:${addr.port}/repo`, close: () => server.shutdown() };
}

async function repoFiles(tmp: string): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const src = join(tmp, "src");
  await writeAuthorsFolder(src, { dim: 8 });
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const name of ["pos.txt", "neg.txt", "f_resnet.npy"]) {
    files.set(`data/pinterest/${name}`, await Deno.readFile(join(src, name)));
  }
  files.set(
    "weights/best-vbpr.npy",
    await Deno.readFile(join(ROOT, "tests/fixtures/pickled_weights_py3.npy")),
  );
  return files;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "data fetch pinterest: local server, resume, checksum mismatch, server down",
  ignore: missingSharedReason() !== null,
}, async (t) => {
  const tmp = await Deno.makeTempDir({ prefix: "amr-fetch-" });
  const art = join(tmp, "artifacts");
  const served: Served = { files: await repoFiles(tmp), cut: new Set(), log: [] };
  const server = startServer(served);
  const quick = ["--retries", "2", "--backoff-ms", "10", "--timeout-ms", "5000"];
  try {
    await t.step(
      "downloads, checks and records every file; a second run verifies only",
      async () => {
        const r = await runCli(["data", "fetch", "pinterest", ...quick], art, {
          AMR_PINTEREST_BASE_URL: server.url,
        });
        assert(r.code === 0, `fetch failed:\n${r.stdout}\n${r.stderr}`);
        const dir = join(art, "data", "pinterest");
        assertIncludes(
          r.stdout,
          "3226 users, 4998 items",
          "87 repeated lines (84 duplicated pairs)",
          "6531 training pairs",
        );
        const lock = JSON.parse(await Deno.readTextFile(join(dir, "files.lock.json")));
        assert(
          Object.keys(lock).sort().join() === "f_resnet.npy,neg.txt,pos.txt,weights/best-vbpr.npy",
          JSON.stringify(lock),
        );
        assert(lock["pos.txt"].sha256 === POS_SHA256);
        assert(await exists(join(dir, "weights/best-vbpr.npy")));
        assertIncludes(r.stdout, "warning:", "P has 5 rows"); // the fixture's shapes do not fit Pinterest
        const before = served.log.length;
        const again = await runCli([
          "data",
          "fetch",
          "pinterest",
          "--base-url",
          server.url,
          ...quick,
        ], art);
        assert(again.code === 0, again.stderr);
        assert(served.log.length === before, "a second fetch must not download again");
        assertIncludes(again.stdout, "in place");
        assert(storeEntries(art).length === 0, "fetch must not touch the store");
      },
    );

    await t.step("a changed remote file fails against the lock file and is removed", async () => {
      const dir = join(art, "data", "pinterest");
      await Deno.remove(join(dir, "neg.txt"));
      const orig = served.files.get("data/pinterest/neg.txt")!;
      const changed = orig.slice();
      changed[0] = changed[0] === 0x31 ? 0x32 : 0x31;
      served.files.set("data/pinterest/neg.txt", changed);
      const r = await runCli(
        ["data", "fetch", "pinterest", "--base-url", server.url, ...quick],
        art,
      );
      served.files.set("data/pinterest/neg.txt", orig);
      assert(r.code !== 0, "expected a failure");
      assertIncludes(r.stderr, "sha256 mismatch", "removed", "data import pinterest --from DIR");
      assert(!(await exists(join(dir, "neg.txt"))) && !(await exists(join(dir, "neg.txt.part"))));
      assert(storeEntries(art).length === 0);
    });

    await t.step("resumes after a cut connection", async () => {
      served.cut.add("data/pinterest/neg.txt");
      const to = join(tmp, "resume");
      served.log.length = 0;
      const r = await runCli(
        [
          "data",
          "fetch",
          "pinterest",
          "--to",
          to,
          "--base-url",
          server.url,
          "--no-weights",
          ...quick,
        ],
        art,
      );
      assert(r.code === 0, `fetch failed:\n${r.stdout}\n${r.stderr}`);
      assertIncludes(r.stdout, "resumed at");
      assert(
        served.log.some((l) => l.startsWith("data/pinterest/neg.txt bytes=")),
        served.log.join("\n"),
      );
      const a = await Deno.readFile(join(to, "neg.txt"));
      const b = served.files.get("data/pinterest/neg.txt")!;
      assert(a.length === b.length && a.every((x, k) => x === b[k]), "resumed file differs");
    });

    await t.step("a pos.txt that is not the authors' fails its pinned hash", async () => {
      const orig = served.files.get("data/pinterest/pos.txt")!;
      const bad = orig.slice();
      bad[2] = bad[2] === 0x30 ? 0x31 : 0x30;
      served.files.set("data/pinterest/pos.txt", bad);
      const to = join(tmp, "bad");
      const r = await runCli([
        "data",
        "fetch",
        "pinterest",
        "--to",
        to,
        "--base-url",
        server.url,
        ...quick,
      ], art);
      served.files.set("data/pinterest/pos.txt", orig);
      assert(r.code !== 0);
      assertIncludes(r.stderr, "sha256 mismatch", POS_SHA256);
      assert(!(await exists(join(to, "pos.txt"))) && !(await exists(join(to, "pos.txt.part"))));
      assert(storeEntries(art).length === 0);
    });
  } finally {
    await server.close();
  }

  await t.step("server down: says so plainly and how to import by hand", async () => {
    const r = await runCli(
      [
        "data",
        "fetch",
        "pinterest",
        "--to",
        join(tmp, "down"),
        "--base-url",
        server.url,
        "--retries",
        "0",
      ],
      art,
    );
    assert(r.code !== 0);
    assertIncludes(
      r.stderr,
      "no network access",
      "data import pinterest --from DIR",
      "data/pinterest/neg.txt",
    );
    assert(storeEntries(art).length === 0);
  });
  await Deno.remove(tmp, { recursive: true });
});
