/**
 * The word counter as a project: its own target options (`--text`, `--case`), tool name, debug
 * variable and runtime facts, handed to the engine through `pipeline/mod.ts`.
 */
import { join } from "node:path";
import type {
  NodeSpec,
  Project,
  RuntimeFacts,
  Target,
  TargetOptions,
} from "../../../pipeline/mod.ts";
import { sha256 } from "../../../pipeline/mod.ts";
import { count, words } from "./stages.ts";

const ROOT = new URL("../../..", import.meta.url).pathname.replace(/\/$/, "");

/** The word counter's project object, its artifacts under `artifactsRoot`. */
export function wordCountProject(
  artifactsRoot: string,
  runtime: RuntimeFacts = { base: { deno: Deno.version.deno }, needs: { collation: { v: "1" } } },
): Project {
  return {
    name: "wordcount",
    description: "Count the words of a text, with a content-addressed cache.",
    root: ROOT,
    artifactsRoot,
    entry: new URL("./stages.ts", import.meta.url).href,
    targetOptions: [
      { name: "text", flag: "--text <words>", description: "the text to count" },
      {
        name: "case",
        flag: "--case <mode>",
        description: "keep the case or fold it",
        choices: ["keep", "fold"],
        default: "fold",
      },
    ],
    debugEnv: "WORDCOUNT_DEBUG",
    recheck: ["count"],
    runtime: () => Promise.resolve(runtime),
    resolveTarget(opts: TargetOptions): Promise<Target> {
      if (!opts.text) return Promise.reject(new Error("--text is required"));
      const name = `${sha256(String(opts.text)).slice(0, 8)}-${opts.case}`;
      const nodes: NodeSpec[] = [
        {
          id: "words",
          stage: words,
          params: { text: opts.text, fold: opts.case === "fold" },
          inputs: {},
          seed: 1,
        },
        {
          id: "count",
          stage: count,
          params: {},
          inputs: { words: { node: "words", output: "words.txt" } },
          seed: 2,
          publish: { "counts.json": "counts.json" },
        },
      ];
      return Promise.resolve({
        name,
        nodes,
        resultsDir: join(artifactsRoot, "results", name),
        meta: { case: opts.case },
      });
    },
  };
}
