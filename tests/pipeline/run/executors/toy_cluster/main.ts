/**
 * CLI of the cluster test project: source -> left, right -> total, with `left` slow enough
 * (TOY_SLOW_MS per step, 20 steps) to be interrupted; with TOY_FUSE=1 `left` and `right` form a
 * fused group. Artifacts under TOY_ARTIFACTS; executor
 * configs under TOY_EXECUTORS.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { main, type NodeSpec, type Project } from "../../../../../pipeline/mod.ts";
import { source, step } from "./stages.ts";

const ROOT = fileURLToPath(new URL("../../../../..", import.meta.url)).replace(/\/$/, "");
const ART = Deno.env.get("TOY_ARTIFACTS") ?? "/tmp/toy-cluster";
const SLOW = Number(Deno.env.get("TOY_SLOW_MS") ?? "0");
/** TOY_FUSE=1: `left` and `right` are one fused group. */
const FUSE = Deno.env.get("TOY_FUSE") === "1" ? { fuse: "sides" } : {};

function nodes(): NodeSpec[] {
  const s = { node: "source", output: "n.txt" };
  return [
    { id: "source", stage: source, params: { n: 5 }, inputs: {}, seed: 1 },
    {
      id: "left@a=1,b=2",
      stage: step,
      params: { add: 1, steps: 20, ms: SLOW },
      inputs: { a: s, b: s },
      seed: 2,
      ...FUSE,
    },
    {
      id: "right",
      stage: step,
      params: { add: 2, steps: 1, ms: 0 },
      inputs: { a: s, b: s },
      seed: 3,
      ...FUSE,
    },
    {
      id: "total",
      stage: step,
      params: { add: 0, steps: 1, ms: 0 },
      inputs: {
        a: { node: "left@a=1,b=2", output: "n.txt" },
        b: { node: "right", output: "n.txt" },
      },
      seed: 4,
      publish: { "n.txt": "total.txt" },
    },
  ];
}

/** The project. */
export const project: Project = {
  name: "toy",
  description: "cluster test project",
  root: ROOT,
  artifactsRoot: ART,
  entry: new URL("./stages.ts", import.meta.url).href,
  targetOptions: [],
  runtime: () => Promise.resolve({ base: { deno: Deno.version.deno }, needs: {} }),
  resolveTarget: () =>
    Promise.resolve({
      name: "toy",
      nodes: nodes(),
      resultsDir: join(ART, "results"),
      meta: {},
    }),
  executorConfigDir: Deno.env.get("TOY_EXECUTORS"),
  jobCommand: [Deno.execPath(), "run", "--allow-all", fileURLToPath(import.meta.url)],
};

if (import.meta.main) await main(project, Deno.args);
