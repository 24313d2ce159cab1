/**
 * Metrics of runs: expectations with tolerances (`check`), differences between two runs or a
 * run and a reference (`diff`), and the list of published runs (`runs`).
 *
 * @module
 */
export * from "./check.ts";
export * from "./diff.ts";
export * from "./runs.ts";
