/**
 * An S3 bucket as a remote (`s3://bucket/prefix`), through the AWS SDK for JavaScript v3.
 * Credentials and region come from wherever the SDK reads them (environment, profiles, roles);
 * `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` points it at S3-compatible storage, which then is
 * addressed in path style. A PutObject is atomic: a reader sees the whole object or none.
 * Objects over {@link MULTIPART_THRESHOLD} go up as a multipart upload (the SDK's
 * `@aws-sdk/lib-storage` `Upload`), streamed from the file in parts: a PutObject takes at most
 * 5 GiB, and would hold the whole file in memory. A multipart object appears only when the
 * upload completes, so it is atomic too; a failed one is aborted, leaving no parts behind.
 *
 * Failures that make the remote unusable (unreachable endpoint, refused credentials, unknown
 * bucket) become one sentence in a {@link RemoteError}.
 */
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { type Remote, RemoteError } from "./remote.ts";

/** Objects larger than this many bytes are uploaded in parts (default 64 MiB). */
export const MULTIPART_THRESHOLD = 64 * 2 ** 20;
/** Bytes per part (grown when needed to stay within S3's 10,000 parts; S3's minimum: 5 MiB). */
export const PART_SIZE = 64 * 2 ** 20;
/** S3's smallest part (all but the last). */
const MIN_PART_SIZE = 5 * 2 ** 20;
/** S3's most parts in one upload. */
const MAX_PARTS = 10_000;
/** Parts of one object in flight at once (each held in memory). */
const PART_QUEUE = 4;

/** What an S3 remote is opened with (absent fields: as the SDK reads them). */
export interface S3Options {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Attempts per request (default 3). */
  maxAttempts?: number;
  /** Multipart above this many bytes (default {@link MULTIPART_THRESHOLD}; lowered in tests). */
  multipartThreshold?: number;
  /** Bytes per part (default {@link PART_SIZE}; at least 5 MiB). */
  partSize?: number;
}

/** An S3 remote. */
export class S3Remote implements Remote {
  readonly url: string;
  readonly bucket: string;
  /** Key prefix, empty or ending in `/`. */
  readonly prefix: string;
  readonly endpoint: string | undefined;
  #client: S3Client;
  #multipart: { threshold: number; partSize: number };

  constructor(url: string, bucket: string, prefix: string, opts: S3Options = {}) {
    this.url = url;
    this.bucket = bucket;
    this.prefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    this.endpoint = opts.endpoint ?? Deno.env.get("AWS_ENDPOINT_URL_S3") ??
      Deno.env.get("AWS_ENDPOINT_URL");
    const region = opts.region ?? Deno.env.get("AWS_REGION") ?? Deno.env.get("AWS_DEFAULT_REGION");
    const config: S3ClientConfig = {
      maxAttempts: opts.maxAttempts ?? 3,
      // S3-compatible storage (MinIO, s3rver) needs path-style addressing; without a region
      // anywhere it is us-east-1, as for the AWS CLI.
      ...(this.endpoint ? { endpoint: this.endpoint, forcePathStyle: true } : {}),
      region: region ?? (this.endpoint ? "us-east-1" : undefined),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
    };
    this.#client = new S3Client(config);
    this.#multipart = {
      threshold: opts.multipartThreshold ?? MULTIPART_THRESHOLD,
      partSize: opts.partSize ?? PART_SIZE,
    };
    if (this.#multipart.partSize < MIN_PART_SIZE) {
      throw new Error(`S3 part size ${this.#multipart.partSize}: at least 5 MiB (S3's minimum)`);
    }
  }

  #where(): string {
    return this.endpoint ? `at ${this.endpoint}` : "on AWS";
  }

  /** The one-sentence reason a request failed, or the error itself when it is not the remote's. */
  #explain(e: unknown, name?: string): Error {
    const err = e as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
    const status = err.$metadata?.httpStatusCode;
    const what = err.name ?? "Error";
    if (
      ["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "Forbidden"].includes(what) ||
      status === 403
    ) {
      return new RemoteError(
        `the S3 remote ${this.url} ${this.#where()} refused the credentials` +
          `${status === 403 && what === "Unknown" ? "" : ` (${what})`}: check AWS_ACCESS_KEY_ID ` +
          `and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)`,
      );
    }
    if (what === "NoSuchBucket" || (status === 404 && name === undefined)) {
      return new RemoteError(`the bucket "${this.bucket}" does not exist ${this.#where()}`);
    }
    if (what === "CredentialsProviderError") {
      return new RemoteError(
        `no AWS credentials found for ${this.url}: set AWS_ACCESS_KEY_ID and ` +
          `AWS_SECRET_ACCESS_KEY, or AWS_PROFILE`,
      );
    }
    if (/region is missing/i.test(err.message ?? "")) {
      return new RemoteError(`no AWS region for ${this.url}: set AWS_REGION`);
    }
    if (status === undefined) {
      return new RemoteError(
        `cannot reach the S3 endpoint ${this.endpoint ?? "of AWS"} for ${this.url}: ` +
          `${err.message || err.code || what}`,
      );
    }
    return new RemoteError(
      `the S3 remote ${this.url} failed${name ? ` on ${name}` : ""}: ${what} (HTTP ${status})`,
    );
  }

  async check(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      throw this.#explain(e);
    }
  }

  async has(name: string): Promise<boolean> {
    try {
      await this.#client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + name }),
      );
      return true;
    } catch (e) {
      const err = e as Error & { $metadata?: { httpStatusCode?: number } };
      if (err.name === "NotFound" || err.$metadata?.httpStatusCode === 404) return false;
      throw this.#explain(e, name);
    }
  }

  async download(name: string, dest: string): Promise<boolean> {
    let body;
    try {
      const got = await this.#client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + name }),
      );
      body = got.Body;
    } catch (e) {
      const err = e as Error & { $metadata?: { httpStatusCode?: number } };
      if (err.name === "NoSuchKey" || err.$metadata?.httpStatusCode === 404) return false;
      throw this.#explain(e, name);
    }
    if (!body) return false;
    const file = await Deno.open(dest, { write: true, create: true, truncate: true });
    try {
      await body.transformToWebStream().pipeTo(file.writable);
    } catch (e) {
      throw this.#explain(e, name);
    }
    return true;
  }

  async upload(name: string, src: string): Promise<void> {
    const { size } = await Deno.stat(src);
    if (size > this.#multipart.threshold) return await this.#uploadParts(name, src, size);
    const data = await Deno.readFile(src);
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + name, Body: data }),
      );
    } catch (e) {
      throw this.#explain(e, name);
    }
  }

  /** A multipart upload streamed from `src` (see the module comment). */
  async #uploadParts(name: string, src: string, size: number): Promise<void> {
    const file = await Deno.open(src, { read: true });
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.bucket, Key: this.prefix + name, Body: file.readable },
      partSize: Math.max(this.#multipart.partSize, Math.ceil(size / MAX_PARTS)),
      queueSize: PART_QUEUE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (e) {
      throw this.#explain(e, name);
    } finally {
      closeOnce(file);
    }
  }

  close(): void {
    this.#client.destroy();
  }
}

/** Closes `file` unless its stream, read to the end, closed it already (one cut short did not). */
function closeOnce(file: Deno.FsFile): void {
  try {
    file.close();
  } catch (e) {
    if (!(e instanceof Deno.errors.BadResource)) throw e;
  }
}
