/**
 * A real S3 API on loopback for tests: s3rver on 127.0.0.1, a free port, a temporary folder,
 * with one bucket; `stop` closes it and removes the folder.
 */
import S3rver from "s3rver";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";

/** The part of an s3rver event notification read here. */
interface S3Event {
  Records: { eventName: string; s3: { object: { key: string } } }[];
}

/** s3rver's fixed credentials. */
export const S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** A running s3rver. */
export interface S3Server {
  endpoint: string;
  /**
   * Objects created so far, in order: `Put` (one PutObject) or `Post` (a completed multipart
   * upload), as s3rver's event notifications name them.
   */
  created: { key: string; how: string }[];
  /** Creates a bucket. */
  createBucket(name: string): Promise<void>;
  /** Overwrites an object (to tamper with it). */
  put(bucket: string, key: string, data: Uint8Array): Promise<void>;
  /** Removes an object. */
  remove(bucket: string, key: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts s3rver on a free loopback port. */
export async function startS3(): Promise<S3Server> {
  const dir = await Deno.makeTempDir({ prefix: "s3rver-" });
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir });
  const created: S3Server["created"] = [];
  server.on("event", (e: S3Event) => {
    for (const r of e.Records) {
      const how = /^ObjectCreated:(.*)$/.exec(r.eventName)?.[1];
      if (how) created.push({ key: decodeURIComponent(r.s3.object.key), how });
    }
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: S3_CREDENTIALS,
  });
  return {
    endpoint,
    created,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async put(bucket, key, data) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }));
    },
    async remove(bucket, key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async stop() {
      client.destroy();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A loopback port nothing listens on. */
export function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
