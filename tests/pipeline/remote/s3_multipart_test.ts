/**
 * Large objects on S3: above the multipart threshold (lowered here to 1 MiB, with S3's smallest
 * part, 5 MiB) an upload goes in parts through `@aws-sdk/lib-storage`, against s3rver on
 * loopback: the object comes back byte for byte, s3rver records it as a completed multipart
 * upload (its ETag is a plain MD5, unlike S3's, so the event tells), and a small object still
 * goes as one PutObject.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { S3Remote } from "../../../pipeline/remote/s3_remote.ts";
import { hashFile } from "../../../pipeline/stage/hash.ts";
import { S3_CREDENTIALS, startS3 } from "./s3_server.ts";

Deno.test("S3 remote: an object over the threshold goes up in parts and comes back whole", async () => {
  const server = await startS3();
  const dir = await Deno.makeTempDir({ prefix: "s3-multipart-" });
  const s3 = { endpoint: server.endpoint, region: "us-east-1", credentials: S3_CREDENTIALS };
  const remote = new S3Remote("s3://runs/big", "runs", "big", {
    ...s3,
    multipartThreshold: 2 ** 20,
    partSize: 5 * 2 ** 20,
  });
  try {
    await server.createBucket("runs");
    // 11 MiB and a bit: parts of 5, 5 and 1 MiB + 3 bytes, every byte different from its part's.
    const big = join(dir, "big.bin");
    const bytes = new Uint8Array(11 * 2 ** 20 + 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    await Deno.writeFile(big, bytes);
    const small = join(dir, "small.bin");
    await Deno.writeFile(small, bytes.subarray(0, 1000));

    await remote.upload("objects/big", big);
    await remote.upload("objects/small", small);
    // s3rver names how each object was created: a completed multipart upload is a "Post".
    assert.deepEqual(server.created, [
      { key: "big/objects/big", how: "Post" },
      { key: "big/objects/small", how: "Put" },
    ]);

    for (const [name, src] of [["objects/big", big], ["objects/small", small]]) {
      const back = join(dir, `${name.replace("/", "-")}.back`);
      assert.ok(await remote.download(name, back));
      assert.deepEqual(await hashFile(back), await hashFile(src));
    }
    assert.throws(
      () => new S3Remote("s3://runs/x", "runs", "x", { ...s3, partSize: 2 ** 20 }),
      /S3 part size 1048576: at least 5 MiB/,
    );
  } finally {
    remote.close();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
