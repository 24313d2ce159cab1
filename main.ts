/**
 * `deno task amr <command>`: the AMR reproduction CLI.
 */
import { main } from "./pipeline/cli.ts";
import { project } from "./stages/project.ts";

if (import.meta.main) {
  await main(project, Deno.args);
}
