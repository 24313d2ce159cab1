/**
 * Bundles: a target's last run packed into a `.tar.gz` with its manifests, state and outputs,
 * safe archive extraction, and offline verification of a bundle.
 *
 * @module
 */
export * from "./anchor.ts";
export * from "./archive.ts";
export * from "./bundle.ts";
export * from "./recheck.ts";
export * from "./entry_checks.ts";
export * from "./verify.ts";
