/**
 * The command-line interface: the engine's commands, each in its own module that registers
 * itself, plus the project's own commands. Target-selecting options, the tool's name and
 * description come from the project.
 */
import { Command } from "@commander-js/extra-typings";
import type { Project } from "../graph/project.ts";
import { RunCancelled } from "../run/runner.ts";
import { registerBundleCommands } from "./bundle.ts";
import { registerCheck } from "./check.ts";
import { registerCompareCommands } from "./compare.ts";
import { registerDag } from "./dag.ts";
import { registerGc } from "./gc.ts";
import { registerRemoteCommands } from "./remote.ts";
import { registerReproduce } from "./reproduce.ts";
import { registerRunNode } from "./run_node.ts";
import { registerStatus } from "./status.ts";
import { registerVerify } from "./verify.ts";

/** Adds one command (or a family of commands) of the engine to the program. */
export type RegisterCommand = (program: Command, p: Project) => void;

/** The engine's commands, in help order. */
export const COMMANDS: readonly RegisterCommand[] = [
  registerReproduce,
  registerStatus,
  registerDag,
  registerRunNode,
  registerVerify,
  registerGc,
  registerCheck,
  registerBundleCommands,
  registerRemoteCommands,
  registerCompareCommands,
];

/** Builds the CLI for a project. */
export function buildCli(p: Project): Command {
  const program = new Command(p.name)
    .description(p.description)
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  for (const register of COMMANDS) register(program, p);
  p.extend?.(program);
  return program;
}

/**
 * Runs the CLI; prints errors without a stack trace unless the project's `debugEnv` is set.
 * Exit status: 130 when cancelled, an error's own numeric `exitCode` when it has one, else 1.
 */
export async function main(p: Project, args: string[]): Promise<void> {
  try {
    await buildCli(p).parseAsync(args, { from: "user" });
  } catch (e) {
    const err = e as Error;
    if (err instanceof RunCancelled) {
      console.error(err.message);
      if (err.finished.length > 0) console.error(`  finished: ${err.finished.join(", ")}`);
      if (err.cancelled.length > 0) console.error(`  cancelled: ${err.cancelled.join(", ")}`);
      Deno.exitCode = 130;
      return;
    }
    console.error(`error: ${err.message}`);
    if (p.debugEnv && Deno.env.get(p.debugEnv)) console.error(err.stack);
    // An error may carry its own exit status (e.g. 2: the machine lacks what the run needs).
    const code = (err as { exitCode?: unknown }).exitCode;
    Deno.exitCode = typeof code === "number" && code > 0 ? code : Deno.exitCode || 1;
  }
}
