/**
 * Runs the toy graph against the store root given as the first argument and prints each
 * node's status as JSON (used by the concurrency test, in separate processes).
 */
import { Store } from "../../pipeline/store/store.ts";
import { buildGraph, run, toyNodes } from "./engine_helpers.ts";

const report = await run(buildGraph(toyNodes({ delayMs: 500 })), new Store(Deno.args[0]));
console.log(JSON.stringify(report.outcomes.map((o) => [o.id, o.status, o.key])));
