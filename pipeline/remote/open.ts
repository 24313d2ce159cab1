/**
 * Opens a remote from its URL: `s3://bucket/prefix`, `file:///path`, or a plain path.
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DirRemote } from "./dir_remote.ts";
import { type Remote, RemoteError } from "./remote.ts";
import { type S3Options, S3Remote } from "./s3_remote.ts";

/** Options of {@link openRemote}. */
export interface OpenRemoteOptions {
  /** Folder a relative path is taken against (default: the working folder). */
  cwd?: string;
  /** S3 settings that override the SDK's own (tests). */
  s3?: S3Options;
}

/** The remote a URL names; a URL of no known kind is a {@link RemoteError}. */
export function openRemote(url: string, opts: OpenRemoteOptions = {}): Remote {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (s3) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3[1])) {
      throw new RemoteError(`"${s3[1]}" in ${url} is not a valid S3 bucket name`);
    }
    return new S3Remote(url, s3[1], s3[2], opts.s3);
  }
  if (url.startsWith("file://")) return new DirRemote(url, fileURLToPath(url));
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) {
    throw new RemoteError(`remote ${url}: expected s3://bucket/prefix, file:///path or a path`);
  }
  if (url === "") throw new RemoteError("the remote is empty: pass --remote URL");
  return new DirRemote(url, isAbsolute(url) ? url : resolve(opts.cwd ?? Deno.cwd(), url));
}
