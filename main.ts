/**
 * `deno task amr <command>`: the AMR reproduction CLI.
 */
import { main } from "./pipeline/mod.ts";
import { project } from "./amr.ts";

if (import.meta.main) {
  await main(project, Deno.args);
}
