import { createHash } from "node:crypto";
import { ChecksumError, downloadFile, readDownloadLock } from "../../io/fetch.ts";
import { assert, assertEquals, assertRejects, makeTempDir } from "./helpers.ts";

const BODY = Uint8Array.from({ length: 300_000 }, (_, k) => (k * 31 + (k >> 8)) & 0xff);
const BODY_SHA = createHash("sha256").update(BODY).digest("hex");

interface Served {
  url: string;
  requests: { path: string; range: string | null }[];
  close(): Promise<void>;
}

/** Serves BODY at /file (honouring Range), and on /cut the first answer stops halfway. */
function serve(body: Uint8Array = BODY): Served {
  const requests: { path: string; range: string | null }[] = [];
  let cuts = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const path = new URL(req.url).pathname;
      const range = req.headers.get("range");
      requests.push({ path, range });
      if (path === "/missing") return new Response("no", { status: 404 });
      if (path === "/stall") {
        // Headers and 10 bytes, then silence for 600 ms.
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(body.slice(0, 10));
          },
          async pull(c) {
            await new Promise((r) => setTimeout(r, 600));
            c.close();
          },
        });
        return new Response(stream, { headers: { "content-length": String(body.length) } });
      }
      let start = 0;
      const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
      if (m) start = Number(m[1]);
      const slice = body.subarray(start);
      const headers: Record<string, string> = { "content-length": String(slice.length) };
      if (m) headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
      const status = m ? 206 : 200;
      if (path === "/cut" && cuts++ === 0) {
        // Send the first 100,000 bytes, then break the connection.
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(slice.slice(0, 100_000));
          },
          async pull(c) {
            await new Promise((r) => setTimeout(r, 20));
            c.close(); // shorter than content-length: the server drops the connection
          },
        });
        return new Response(stream, { status, headers });
      }
      return new Response(slice.slice(), { status, headers });
    },
  );
  const addr = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    requests,
    close: () => server.shutdown(),
  };
}

Deno.test("downloadFile: success, progress, lock recorded then verified", async () => {
  const dir = await makeTempDir("fetch_");
  const srv = serve();
  try {
    const progress: [number, number | null][] = [];
    const lockFile = `${dir}/downloads.lock.json`;
    const res = await downloadFile(`${srv.url}/file`, `${dir}/data/file.bin`, {
      lockFile,
      onProgress: (done, total) => progress.push([done, total]),
    });
    assertEquals([res.sha256, res.size, res.downloaded, res.resumedFrom], [
      BODY_SHA,
      BODY.length,
      true,
      0,
    ]);
    assertEquals(progress[progress.length - 1], [BODY.length, BODY.length]);
    assertEquals(await readDownloadLock(lockFile), {
      "data/file.bin": { sha256: BODY_SHA, size: BODY.length, url: `${srv.url}/file` },
    });
    await assertRejects(() => Deno.stat(`${dir}/data/file.bin.part`), "No such file");
    // Second call: verified in place, nothing downloaded.
    const n = srv.requests.length;
    const again = await downloadFile(`${srv.url}/file`, `${dir}/data/file.bin`, { lockFile });
    assertEquals([again.downloaded, again.sha256, srv.requests.length], [false, BODY_SHA, n]);
    // A file that no longer matches the lock is reported, not replaced.
    await Deno.writeFile(`${dir}/data/file.bin`, BODY.subarray(1));
    await assertRejects(
      () => downloadFile(`${srv.url}/file`, `${dir}/data/file.bin`, { lockFile }),
      "already present",
      `size ${BODY.length - 1} bytes, expected ${BODY.length}`,
    );
  } finally {
    await srv.close();
  }
});

Deno.test("downloadFile: resumes with Range after a cut connection", async () => {
  const dir = await makeTempDir("fetch_");
  const srv = serve();
  try {
    const res = await downloadFile(`${srv.url}/cut`, `${dir}/cut.bin`, {
      sha256: BODY_SHA,
      retries: 2,
      backoffMs: 10,
      timeoutMs: 5000,
    });
    assertEquals([res.sha256, res.size, res.attempts], [BODY_SHA, BODY.length, 2]);
    assert(res.resumedFrom >= 100_000, `resumed from ${res.resumedFrom}`);
    assertEquals(srv.requests.map((r) => r.range), [null, `bytes=${res.resumedFrom}-`]);
    const got = await Deno.readFile(`${dir}/cut.bin`);
    assertEquals(createHash("sha256").update(got).digest("hex"), BODY_SHA);
  } finally {
    await srv.close();
  }
});

Deno.test("downloadFile: checksum mismatch removes the file and names both hashes", async () => {
  const dir = await makeTempDir("fetch_");
  const srv = serve();
  const wrong = "0".repeat(64);
  try {
    const err = await assertRejects(
      () => downloadFile(`${srv.url}/file`, `${dir}/f.bin`, { sha256: wrong, backoffMs: 10 }),
      `expected ${wrong}`,
      `actual ${BODY_SHA}`,
    );
    assert(err instanceof ChecksumError);
    await assertRejects(() => Deno.stat(`${dir}/f.bin`), "No such file");
    await assertRejects(() => Deno.stat(`${dir}/f.bin.part`), "No such file");
    // HTTP 404 is not retried.
    const n = srv.requests.length;
    await assertRejects(
      () => downloadFile(`${srv.url}/missing`, `${dir}/m.bin`, { backoffMs: 10 }),
      "HTTP 404",
    );
    assertEquals(srv.requests.length, n + 1);
    // A stalled response hits the per-request timeout.
    const t0 = performance.now();
    await assertRejects(
      () => downloadFile(`${srv.url}/stall`, `${dir}/s.bin`, { timeoutMs: 150, retries: 0 }),
      "after 1 attempt: no data for 150 ms (timeout)",
    );
    assert(performance.now() - t0 < 550, "timeout not applied");
  } finally {
    await srv.close();
  }
});

Deno.test("downloadFile: server down fails with a plain message, quickly", async () => {
  const dir = await makeTempDir("fetch_");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now
  const t0 = performance.now();
  await assertRejects(
    () =>
      downloadFile(`http://127.0.0.1:${port}/file`, `${dir}/x.bin`, {
        retries: 2,
        backoffMs: 10,
        timeoutMs: 2000,
      }),
    `could not download http://127.0.0.1:${port}/file after 3 attempts: connection refused`,
  );
  assert(performance.now() - t0 < 5000);
  await assertRejects(() => Deno.stat(`${dir}/x.bin`), "No such file");
});
