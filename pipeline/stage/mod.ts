/**
 * The stage API: everything a stage module (and every module it uses) may import
 * from the engine: `defineStage`, node specs, the seeded generator, progress, checkpoints,
 * cancel points, manifests, hashing, field-level error messages and the checked read of a
 * user's config file. Whatever this package
 * imports enters every stage's code key, so it stays small and imports nothing else of the
 * engine.
 *
 * @module
 */
export * from "./absent.ts";
export * from "./cancel.ts";
export * from "./checkpoint.ts";
export * from "./field_issue.ts";
export * from "./hash.ts";
export * from "./manifest.ts";
export * from "./node.ts";
export * from "./progress.ts";
export * from "./rng.ts";
export * from "./stage.ts";
export * from "./user_file.ts";
