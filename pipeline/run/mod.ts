/**
 * Running a target: `reproduce` (plan, run, publish), the runner that walks the graph and hands
 * ready nodes to an executor (local Workers or SLURM jobs), pending records, `run-node` (execute
 * one node and commit its entry), the in-process/Worker execution of a stage and publishing of
 * results.
 *
 * @module
 */
export * from "./execute.ts";
export * from "./pending.ts";
export * from "./reproduce.ts";
export * from "./results.ts";
export * from "./run_node.ts";
export * from "./runner.ts";
export * from "./executors/executor.ts";
export * from "./executors/job_record.ts";
export * from "./executors/job_status.ts";
export * from "./executors/local.ts";
export * from "./executors/select.ts";
export * from "./executors/slurm.ts";
export * from "./executors/slurm_config.ts";
