/**
 * Remotes: a target's run pushed to and pulled from object storage (an S3 bucket or a folder),
 * content addressed, resumable, and verified on the way back in as a bundle is.
 *
 * @module
 */
export * from "./dir_remote.ts";
export * from "./layout.ts";
export * from "./open.ts";
export * from "./pool.ts";
export * from "./pull.ts";
export * from "./push.ts";
export * from "./remote.ts";
export * from "./s3_remote.ts";
export * from "./status.ts";
