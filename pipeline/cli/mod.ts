/**
 * The command-line interface: one module per command, each registering itself, and the entry
 * that builds the program from the list.
 *
 * @module
 */
export * from "./bundle.ts";
export * from "./check.ts";
export * from "./compare.ts";
export * from "./dag.ts";
export * from "./gc.ts";
export * from "./interrupt.ts";
export * from "./main.ts";
export * from "./options.ts";
export * from "./reproduce.ts";
export * from "./run_node.ts";
export * from "./status.ts";
export * from "./verify.ts";
