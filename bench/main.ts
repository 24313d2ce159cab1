/**
 * `deno task bench [--quick] [--scale pinterest|amazon] [--threads N] [--reps R] [--no-data]
 * [--backend wasm|webgpu]`: performance figures of this machine.
 *
 * With `--backend webgpu` (or `AMR_BACKEND=webgpu`) the children run tfjs's WebGPU backend, one
 * child per round (thread counts do not apply), and the figures are labelled `webgpu`; without
 * a WebGPU adapter the bench stops with one sentence and exit status 2.
 *
 * Runs bench/child.ts per thread count (1 and N, default N = the cores) and scale (Pinterest,
 * two alternating rounds; plus Amazon, one round, unless `--quick`; `--scale` times one scale
 * only, and the estimate reads each scale from the latest file that timed it), times a no-op `reproduce` of the smoke profile in a
 * temporary artifacts root, hashes a big file with pipeline/stage/hash.ts, and in full mode builds the
 * `synthetic-amazon` data stages in a temporary root (several GB, a few minutes). Writes
 * `artifacts/bench/<date>.json` and `.md` (a table of median, min and max of each figure with its
 * target, met or not) and prints the table.
 *
 * @module
 */
import { join } from "node:path";
import { hashFile } from "../pipeline/stage/mod.ts";
import { SCALES } from "../config/bench_scales.ts";
import { parseThreads, requestedThreads, THREADS_ENV } from "../models/threads.ts";
import {
  type Backend,
  BACKEND_ENV,
  NoAdapterError,
  parseBackend,
  requestedBackend,
  requireAdapter,
} from "../models/backend.ts";
import type { ChildReport } from "./child.ts";
import { type Figure, markdownTable, single, type Stat, stat, targetMet } from "./report.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

interface Options {
  quick: boolean;
  scales: string[];
  threads: number;
  reps: number;
  data: boolean;
  backend: Backend;
}

function parseArgs(args: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const quick = args.includes("--quick");
  const t = get("threads");
  const scale = get("scale");
  if (scale !== undefined && !(scale in SCALES)) {
    throw new Error(`--scale: expected one of ${Object.keys(SCALES).join(", ")}, got "${scale}"`);
  }
  const backend = get("backend");
  return {
    quick,
    backend: backend !== undefined ? parseBackend(backend, "--backend") : requestedBackend(),
    scales: scale !== undefined ? [scale] : quick ? ["pinterest"] : ["pinterest", "amazon"],
    threads: t !== undefined ? parseThreads(t, "--threads") : requestedThreads(),
    reps: Number(get("reps") ?? (quick ? 3 : 4)),
    data: !quick && !args.includes("--no-data"),
  };
}

/** Runs a command, returning wall seconds; throws with its stderr on failure. */
async function timed(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ s: number; stdout: string }> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: opts.cwd ?? ROOT,
    env: opts.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const s = (performance.now() - t0) / 1000;
  const stdout = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) {
    throw new Error(
      `${args.join(" ")} failed (${out.code}):\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return { s, stdout };
}

async function runChild(
  scale: string,
  threads: number,
  o: Options,
  scores: string,
): Promise<ChildReport> {
  console.error(
    `bench: ${scale} scale, ${o.backend === "webgpu" ? "webgpu" : `${threads} thread(s)`} ...`,
  );
  const { stdout } = await timed(
    [
      "run",
      "--allow-all",
      "--v8-flags=--max-old-space-size=16384",
      "bench/child.ts",
      "--scale",
      scale,
      "--reps",
      String(o.reps),
      "--scores",
      scores,
    ],
    { env: { [THREADS_ENV]: String(threads), [BACKEND_ENV]: o.backend } },
  );
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as ChildReport;
}

async function maxAbsDiff(a: string, b: string): Promise<number> {
  const x = new Float32Array((await Deno.readFile(a)).buffer);
  const y = new Float32Array((await Deno.readFile(b)).buffer);
  if (x.length !== y.length) return Infinity;
  let m = 0;
  for (let t = 0; t < x.length; t++) {
    if (Number.isNaN(x[t]) && Number.isNaN(y[t])) continue; // users without a target
    const d = Math.abs(x[t] - y[t]);
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

async function noopReproduce(reps: number, tmp: string): Promise<number[]> {
  const env = { AMR_ARTIFACTS: join(tmp, "smoke-artifacts") };
  const args = ["task", "amr", "reproduce", "--profile", "smoke", "--dataset", "smoke"];
  await timed(args, { env }); // first run builds everything
  const out: number[] = [];
  for (let r = 0; r < reps; r++) out.push((await timed(args, { env })).s);
  return out;
}

/** MB/s of hashFile over `path` (page-cached after the first read). */
async function hashRate(path: string, reps: number): Promise<number[]> {
  await hashFile(path);
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const { size } = await hashFile(path);
    out.push(size / 2 ** 20 / ((performance.now() - t0) / 1000));
  }
  return out;
}

async function bigFile(dir: string, mb: number): Promise<string> {
  const path = join(dir, "hash-input.bin");
  using f = await Deno.open(path, { write: true, create: true, truncate: true });
  const chunk = new Uint8Array(1 << 20);
  for (let t = 0; t < chunk.length; t++) chunk[t] = (t * 2654435761) >>> 24;
  for (let i = 0; i < mb; i++) {
    chunk[0] = i & 255;
    await f.write(chunk);
  }
  return path;
}

/** The largest regular file under `dir`. */
async function largestFile(dir: string): Promise<string | null> {
  let best: { path: string; size: number } | null = null;
  async function walk(d: string): Promise<void> {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile) {
        const size = (await Deno.stat(p)).size;
        if (!best || size > best.size) best = { path: p, size };
      }
    }
  }
  await walk(dir);
  return (best as { path: string } | null)?.path ?? null;
}

function machine(): Record<string, string | number> {
  const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  const mem = Deno.readTextFileSync("/proc/meminfo").match(/MemTotal:\s+(\d+)/);
  return {
    cpu: cpuinfo.match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memGB: mem ? Math.round(Number(mem[1]) / 2 ** 20) : NaN,
    deno: Deno.version.deno,
    loadAvgStart: Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" "),
  };
}

/** One report with the samples of several runs of the same child concatenated. */
function mergeReports(rs: ChildReport[]): ChildReport {
  const out: ChildReport = structuredClone(rs[0]);
  for (const r of rs.slice(1)) {
    out.peak.gflops.push(...r.peak.gflops);
    out.peak.cores = Math.min(out.peak.cores, r.peak.cores);
    for (const [m, st] of Object.entries(r.step)) out.step[m].ms.push(...st.ms);
    for (const [m, xs] of Object.entries(r.epochS)) out.epochS[m].push(...xs);
    for (const [m, xs] of Object.entries(r.fusedEpochS ?? {})) {
      out.fusedEpochS ??= {};
      (out.fusedEpochS[m] ??= []).push(...xs);
    }
    out.evalS.push(...r.evalS);
    out.peakRssMB = Math.max(out.peakRssMB, r.peakRssMB);
    out.wasmHeapMB = Math.max(out.wasmHeapMB, r.wasmHeapMB);
  }
  return out;
}

function ratio(a: Stat, b: Stat): Stat {
  return single(a.median / b.median);
}

/** The figures of one scale from the 1-thread and N-thread children. */
function scaleFigures(one: ChildReport, many: ChildReport, n: number, diff: number): Figure[] {
  const s = one.scale;
  const f: Figure[] = [];
  // With `--threads 1` (and on WebGPU) there is one child per round: list its figures once.
  const gpu = one.backend === "webgpu";
  const single1 = gpu ? "webgpu" : "1 thread";
  const counts: (readonly [string, ChildReport])[] = n === 1
    ? [[single1, one]]
    : [["1 thread", one], [`${n} threads`, many]];
  const nLabel = gpu ? "webgpu" : `${n} threads`;
  const peakN = stat(many.peak.gflops);
  if (s === "pinterest") {
    f.push({
      name: `matMul peak ${one.peak.shape}, ${single1}`,
      unit: "GFLOP/s",
      stat: stat(one.peak.gflops),
    });
    if (n > 1) {
      f.push({
        name: `matMul peak ${many.peak.shape}, ${n} threads`,
        unit: "GFLOP/s",
        stat: peakN,
      });
    }
    for (const [label, r] of counts) {
      f.push({
        name: `CPU cores obtained during the ${label} matMul (CPU s per wall s, lowest run)`,
        unit: "cores",
        stat: single(r.peak.cores),
      });
    }
  }
  for (const m of ["vbpr", "amr"]) {
    const st = many.step[m];
    const gf = stat(st.ms.map((ms) => st.flop / (ms * 1e6)));
    f.push({ name: `${s}: ${m} step, ${nLabel}`, unit: "GFLOP/s", stat: gf });
    f.push({
      name: `${s}: ${m} step share of the ${gpu ? "webgpu" : `${n}-thread`} matMul peak`,
      unit: "%",
      stat: single((100 * gf.median) / peakN.median),
      target: { op: ">=", value: 50 },
    });
    if (n > 1) {
      f.push({
        name: `${s}: ${m} step speedup, ${n} vs 1 thread`,
        unit: "x",
        stat: ratio(stat(one.step[m].ms), stat(st.ms)),
        target: { op: ">=", value: 1.6 },
      });
    }
  }
  for (const [label, r] of counts) {
    for (const [m, xs] of Object.entries(r.epochS)) {
      f.push({ name: `${s}: epoch ${m}, ${label}`, unit: "s", stat: stat(xs) });
    }
  }
  for (const [label, r] of counts) {
    for (const [m, xs] of Object.entries(r.fusedEpochS ?? {})) {
      f.push({
        name: `${s}: epoch ${m}, one point of a fused group of ${r.fusedPoints}, ${label}`,
        unit: "s",
        stat: stat(xs),
      });
      f.push({
        name: `${s}: fused/alone epoch ratio ${m}, ${label}`,
        unit: "x",
        stat: ratio(stat(xs), stat(r.epochS[m])),
      });
    }
  }
  for (const [label, r] of counts) {
    f.push({
      name: `${s}: AMR/VBPR epoch ratio, ${label}`,
      unit: "x",
      stat: ratio(stat(r.epochS.amr), stat(r.epochS.vbpr)),
      target: { op: "<=", value: 1.3 },
    });
  }
  if (n > 1) {
    f.push({
      name: `${s}: AMR epoch speedup, ${n} vs 1 thread`,
      unit: "x",
      stat: ratio(stat(one.epochS.amr), stat(many.epochS.amr)),
    });
  }
  f.push({
    name: `${s}: evaluation (1,000 candidates per user), ${single1}`,
    unit: "s",
    stat: stat(one.evalS),
  });
  if (n > 1) {
    f.push({ name: `${s}: evaluation, ${n} threads`, unit: "s", stat: stat(many.evalS) });
    f.push({
      name: `${s}: max abs score difference, ${n} vs 1 thread`,
      unit: "",
      stat: single(diff),
    });
  }
  const rss = Math.max(one.peakRssMB, many.peakRssMB);
  f.push({
    name: `${s}: peak RSS of a bench process (features, 4 trainings, evaluation)`,
    unit: "MB",
    stat: single(rss),
    ...(s === "amazon" ? { target: { op: "<" as const, value: 8192 } } : {}),
  });
  if (!gpu) {
    f.push({ name: `${s}: WASM heap at the end`, unit: "MB", stat: single(many.wasmHeapMB) });
  }
  return f;
}

async function main(): Promise<void> {
  const o = parseArgs(Deno.args);
  if (o.backend === "webgpu") {
    // Thread counts do not apply to the device: one child per round.
    o.threads = 1;
    try {
      await requireAdapter();
    } catch (e) {
      if (!(e instanceof NoAdapterError)) throw e;
      console.error(`error: ${e.message}`);
      Deno.exit(e.exitCode);
    }
  }
  const started = new Date();
  const tmp = await Deno.makeTempDir({ prefix: "amr-bench-" });
  const info = machine();
  const figures: Figure[] = [];
  const children: ChildReport[] = [];
  const notes: string[] = [];
  try {
    for (const scale of o.scales) {
      // Rounds alternate the thread counts so a busy spell of the machine hits both alike.
      const rounds = scale === "amazon" ? 1 : 2;
      const a = join(tmp, `${scale}-1.f32`);
      const b = join(tmp, `${scale}-${o.threads}.f32`);
      const ones: ChildReport[] = [];
      const manys: ChildReport[] = [];
      for (let r = 0; r < rounds; r++) {
        ones.push(await runChild(scale, 1, o, a));
        if (o.threads > 1) manys.push(await runChild(scale, o.threads, o, b));
      }
      const one = mergeReports(ones);
      const many = o.threads === 1 ? one : mergeReports(manys);
      if (many.fallback) notes.push(`${scale}: threads fell back: ${many.fallback}`);
      children.push(...ones, ...manys);
      const diff = o.threads === 1 ? 0 : await maxAbsDiff(a, b);
      figures.push(...scaleFigures(one, many, o.threads, diff));
    }
    console.error("bench: no-op reproduce ...");
    figures.push({
      name: "no-op `reproduce --profile smoke --dataset smoke`",
      unit: "s",
      stat: stat(await noopReproduce(o.reps, tmp)),
      target: { op: "<", value: 5 },
    });
    let hashInput: string;
    if (o.data) {
      console.error("bench: synthetic-amazon data stages (a few minutes, several GB) ...");
      const env = { AMR_ARTIFACTS: join(tmp, "amazon-artifacts") };
      const { s } = await timed(
        ["task", "amr", "data", "generate", "--dataset", "synthetic-amazon"],
        { env },
      );
      figures.push({
        name: "synthetic-amazon data stages (generate, filter, split, negatives, features)",
        unit: "s",
        stat: single(s),
      });
      hashInput = (await largestFile(env.AMR_ARTIFACTS)) ?? await bigFile(tmp, 1024);
    } else {
      hashInput = await bigFile(tmp, 512);
    }
    const size = (await Deno.stat(hashInput)).size;
    console.error(`bench: hashing ${(size / 2 ** 20).toFixed(0)} MB ...`);
    figures.push({
      name: `hashFile (SHA-256, streamed) on a ${(size / 2 ** 20).toFixed(0)} MB file`,
      unit: "MB/s",
      stat: stat(await hashRate(hashInput, o.reps)),
      target: { op: ">=", value: 500 },
    });
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  const ended = new Date();
  info.loadAvgEnd = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  const stamp = started.toISOString().replace(/:/g, "-").replace(/\..*$/, "") +
    (o.backend === "webgpu" ? "-webgpu" : "");
  const header = [
    `Bench ${
      o.quick
        ? "(quick: Pinterest scale only)"
        : o.scales.length === 1
        ? `(${o.scales[0]} scale only)`
        : "(full)"
    } of ${started.toISOString()}, ` +
    `${((ended.getTime() - started.getTime()) / 1000).toFixed(0)} s; ` +
    `machine: ${info.cpu}, ${info.cores} cores, ${info.memGB} GB; Deno ${info.deno}; ` +
    `load average ${info.loadAvgStart} at start, ${info.loadAvgEnd} at end.`,
    o.backend === "webgpu"
      ? `Backend: webgpu, adapter ${children[0]?.adapter ?? "unknown"}. Each figure: median ` +
        "of its runs (n), with min and max."
      : `Threads: 1 and ${o.threads}. Each figure: median of its runs (n), with min and max.`,
    ...notes,
  ];
  const table = markdownTable(figures);
  const missed = figures.filter((f) => targetMet(f) === false).map((f) => f.name);
  const md = [
    ...header,
    "",
    table,
    "",
    missed.length ? `Targets missed: ${missed.join("; ")}.` : "All targets met.",
    "",
  ].join("\n");
  const dir = join(ROOT, "artifacts", "bench");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, `${stamp}.md`), md);
  await Deno.writeTextFile(
    join(dir, `${stamp}.json`),
    JSON.stringify(
      { started: started.toISOString(), options: o, machine: info, figures, children },
      null,
      2,
    ),
  );
  console.log(md);
  console.log(`written: artifacts/bench/${stamp}.{json,md}`);
}

if (import.meta.main) await main();
