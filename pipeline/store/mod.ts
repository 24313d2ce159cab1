/**
 * The content-addressed store: entries (manifest + outputs) committed atomically under their
 * key, locks, per-target state records, verified reads, whole-store verification, garbage
 * collection, and reads that tell an absent file from a failing one.
 *
 * @module
 */
export * from "./entry.ts";
export * from "./gc.ts";
export * from "./list_files.ts";
export * from "./lock.ts";
export * from "./state.ts";
export * from "./store.ts";
export * from "./file_check.ts";
export * from "./verify.ts";
