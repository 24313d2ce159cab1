/**
 * `deno task bench:fuse [--profile P] [--dataset D] [--jobs N|auto] [--reps R] [NODE...]`: fused
 * grid levels against `--no-fuse`, side by side on this machine
 * (docs/performance.md#fused-grid-levels).
 *
 * Each rep runs `reproduce` twice, fused and `--no-fuse` (the order alternating between reps), each
 * into a fresh temporary artifacts root, and times the whole command. It then checks what the two
 * runs produced: every node's outputs, byte for byte, except the files that carry wall-clock
 * timings; and, for a whole-graph run, `metrics.json` and every table. It writes
 * `artifacts/bench/<date>-fuse.{json,md}` and prints the table. It reports; it never fails on
 * time. It exits 1 only when the outputs differ.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { join } from "node:path";
import { type Figure, markdownTable, stat } from "./report.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/** Outputs whose content carries wall-clock timings (differ between any two runs). */
const TIMED = new Set(["train_summary.json", "report.html", "report.md"]);

/** One timed `reproduce`. */
interface Timed {
  seconds: number;
  root: string;
}

async function reproduce(args: string[], root: string): Promise<Timed> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--v8-flags=--max-old-space-size=16384",
      "main.ts",
      "reproduce",
      ...args,
    ],
    cwd: ROOT,
    env: { AMR_ARTIFACTS: root, CI: "true" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  if (!out.success) {
    throw new Error(`reproduce ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return { seconds, root };
}

/** Node id -> its untimed output hashes. */
function outputsOf(root: string): Map<string, string> {
  const dir = join(root, "store");
  const out = new Map<string, string>();
  for (const e of Deno.readDirSync(dir)) {
    if (!/^[0-9a-f]{64}$/.test(e.name)) continue;
    const m = JSON.parse(Deno.readTextFileSync(join(dir, e.name, "manifest.json")));
    const files = Object.entries(m.outputs as Record<string, { sha256: string }>)
      .filter(([n]) => !TIMED.has(n)).map(([n, o]) => `${n}=${o.sha256}`).sort();
    out.set(m.node, files.join(" "));
  }
  return out;
}

/** What differs between the two runs' outputs (empty: nothing). */
function differences(a: string, b: string, results: string | null): string[] {
  const A = outputsOf(a);
  const B = outputsOf(b);
  const diff: string[] = [];
  for (const [node, files] of A) if (B.get(node) !== files) diff.push(`node ${node}`);
  for (const node of B.keys()) if (!A.has(node)) diff.push(`node ${node} (only --no-fuse)`);
  if (results) {
    const files = [
      "metrics.json",
      ...[...Deno.readDirSync(join(a, results, "tables"))].map((e) => join("tables", e.name)),
    ];
    for (const f of files) {
      const x = Deno.readFileSync(join(a, results, f));
      const y = Deno.readFileSync(join(b, results, f));
      if (x.length !== y.length || x.some((v, i) => v !== y[i])) diff.push(f);
    }
  }
  return diff;
}

const cmd = new Command()
  .name("bench:fuse")
  .description("time fused grid levels against --no-fuse and check their outputs are identical")
  .argument("[nodes...]", "reproduce only these nodes and their upstream (default: everything)")
  .option("--profile <name>", "profile", "paper-lite")
  .option("--dataset <name>", "dataset", "smoke")
  .option("--jobs <n>", "reproduce --jobs", "auto")
  .option("--reps <n>", "pairs of runs", (v) => Number(v), 1)
  .action(async (nodes, o) => {
    const args = ["--profile", o.profile, "--dataset", o.dataset, "--jobs", o.jobs, ...nodes];
    const results = nodes.length === 0 ? join("results", o.dataset, o.profile) : null;
    const fused: number[] = [];
    const apart: number[] = [];
    const problems: string[] = [];
    for (let r = 0; r < o.reps; r++) {
      const base = await Deno.makeTempDir({ prefix: "amr-bench-fuse-" });
      try {
        const runs: Record<string, Timed> = {};
        for (const mode of r % 2 === 0 ? ["fused", "no-fuse"] : ["no-fuse", "fused"]) {
          const extra = mode === "fused" ? [] : ["--no-fuse"];
          runs[mode] = await reproduce([...args, ...extra], join(base, mode));
          console.error(`rep ${r + 1}: ${mode} ${runs[mode].seconds.toFixed(1)} s`);
        }
        fused.push(runs.fused.seconds);
        apart.push(runs["no-fuse"].seconds);
        problems.push(...differences(runs.fused.root, runs["no-fuse"].root, results));
      } finally {
        await Deno.remove(base, { recursive: true });
      }
    }
    const figures: Figure[] = [
      { name: "fused: reproduce wall", unit: "s", stat: stat(fused) },
      { name: "--no-fuse: reproduce wall", unit: "s", stat: stat(apart) },
      {
        name: "--no-fuse / fused (same rep)",
        unit: "x",
        stat: stat(apart.map((a, i) => a / fused[i])),
      },
    ];
    const verdict = problems.length === 0
      ? `outputs byte-identical (every node's untimed outputs${
        results ? ", metrics.json and tables" : ""
      })`
      : `OUTPUTS DIFFER: ${[...new Set(problems)].join(", ")}`;
    const md = [
      `# Fused grid levels: reproduce ${args.join(" ")}`,
      "",
      `${new Date().toISOString()}, ${navigator.hardwareConcurrency} cores, load average ${
        Deno.loadavg().map((x) => x.toFixed(1)).join(" ")
      }, ${o.reps} rep(s)`,
      "",
      markdownTable(figures),
      "",
      verdict,
      "",
    ].join("\n");
    const dir = join(ROOT, "artifacts", "bench");
    await Deno.mkdir(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/:/g, "-").replace(/\..*/, "");
    await Deno.writeTextFile(join(dir, `${stamp}-fuse.md`), md);
    await Deno.writeTextFile(
      join(dir, `${stamp}-fuse.json`),
      JSON.stringify({ args, reps: o.reps, fused, apart, problems }, null, 2) + "\n",
    );
    console.log(md);
    if (problems.length > 0) Deno.exitCode = 1;
  });

await cmd.parseAsync(Deno.args, { from: "user" });
