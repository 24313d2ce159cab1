/**
 * The graph and what decides whether a node must run: building and ordering the graph, selecting
 * part of it by name, cache keys, code fingerprints, hashes of files outside the store, freshness
 * (`status`), cost estimates, the `Project` contract a project hands the engine, and the
 * checkout's git facts.
 *
 * @module
 */
export * from "./code_hash.ts";
export * from "./estimate.ts";
export * from "./external_files.ts";
export * from "./format.ts";
export * from "./git.ts";
export * from "./graph.ts";
export * from "./keys.ts";
export * from "./project.ts";
export * from "./select.ts";
export * from "./status.ts";
