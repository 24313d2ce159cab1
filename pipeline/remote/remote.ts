/**
 * A remote: object storage a target's run is pushed to and pulled from, by name. Two kinds:
 * an S3 bucket (`s3://bucket/prefix`, pipeline/remote/s3_remote.ts) and a plain folder
 * (`file:///path` or a path, pipeline/remote/dir_remote.ts).
 *
 * Names are built only by pipeline/remote/layout.ts from validated hashes and sanitised target
 * names. An upload is atomic: a reader sees the whole object or none.
 */

/** A remote that cannot be used: unreachable, refused credentials, no such bucket or folder. */
export class RemoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RemoteError";
  }
}

/** Object storage addressed by name (`objects/ab/ab12…`, `entries/<key>.json`, `runs/<t>.json`). */
export interface Remote {
  /** The URL it was opened from (shown in messages). */
  readonly url: string;
  /** Fails with {@link RemoteError} when the remote cannot be used. */
  check(): Promise<void>;
  /** True when object `name` exists. */
  has(name: string): Promise<boolean>;
  /** Copies object `name` into the file `dest`; false when there is no such object. */
  download(name: string, dest: string): Promise<boolean>;
  /** Stores the file `src` as object `name`, atomically. */
  upload(name: string, src: string): Promise<void>;
  /** Releases connections. */
  close(): void;
}
