/**
 * One benchmark process of `deno task bench` (bench/main.ts): tfjs on the threads `AMR_THREADS`
 * asks for (or on WebGPU when `AMR_BACKEND=webgpu`), random data at Pinterest or Amazon scale,
 * and every timing that depends on the thread count or backend. Prints one JSON line ({@link ChildReport}); writes the evaluation scores of the
 * first 2,000 users (1,000 candidates each) after the AMR epochs to `--scores FILE` (float32) so
 * the parent can compare thread counts.
 *
 *   AMR_THREADS=2 deno run -A bench/child.ts --scale pinterest --reps 5 --scores /tmp/s.f32
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type AdversaryPath, bprGradients, createStepWorkspace } from "../models/bpr_step.ts";
import { applyGradients, createOptimizerState } from "../models/adagrad.ts";
import { initWeights } from "../models/init.ts";
import { matMul } from "../models/matmul.ts";
import { buildTrainIndex, sampleEpoch, sliceTriples } from "../models/sampler.ts";
import { initTf } from "../models/tf_backend.ts";
import { deviceLatents } from "../models/device_features.ts";
import { slotMap, uniqueSlots } from "../models/slots.ts";
import {
  createDeviceWorkspace,
  deviceStep,
  disposeModel,
  uploadModel,
} from "../models/webgpu_step.ts";
import { train, trainGroup } from "../models/train.ts";
import {
  type AdversaryConfig,
  DEFAULT_HYPER,
  type FeatureMatrix,
  type ModelKind,
  type TrainSet,
} from "../models/types.ts";
import { Rng } from "../pipeline/stage/mod.ts";
import { factorScorer, scoringFactors, targetScores } from "../models/evaluation.ts";
import { type Scale, SCALES } from "../config/bench_scales.ts";
import { DEFAULT_NEGATIVES } from "../config/protocol.ts";
import { trainEals } from "../models/eals.ts";

/** Seconds per MF-eALS sweep (all of P, then all of Q) at the paper's defaults, `sweeps` sweeps. */
async function ealsSweeps(data: TrainSet, sweeps: number): Promise<number[]> {
  const out: number[] = [];
  let t = performance.now();
  await trainEals(data, { k: 64, iterations: sweeps, reg: 0.01, c0: 512, alpha: 0.5 }, {
    rng: new Rng(3),
    onIteration: () => {
      const now = performance.now();
      out.push((now - t) / 1000);
      t = now;
    },
  });
  return out;
}

/** Training configurations timed per epoch. */
export const EPOCH_RUNS: {
  label: string;
  model: ModelKind;
  adversary?: AdversaryConfig;
  path?: AdversaryPath;
}[] = [
  { label: "mf-bpr", model: "mf-bpr" },
  { label: "duif", model: "duif" },
  { label: "vbpr", model: "vbpr" },
  { label: "amr", model: "amr", adversary: { kind: "grad", eps: 0.1, lambda: 1 } },
  {
    label: "amr-materialised",
    model: "amr",
    adversary: { kind: "grad", eps: 0.1, lambda: 1 },
    path: "materialised",
  },
];

/** Points of the fused group {@link ChildReport.fusedEpochS} times (a grid level's order). */
export const FUSED_POINTS = 6;

/**
 * Per model with features, the epoch seconds of each point of a fused group of
 * {@link FUSED_POINTS} points at learning rates around the default (each point's own steps and
 * its share of the draw, as its `train_summary.json` records them), after `warm` epochs.
 */
async function fusedEpochs(
  input: { data: TrainSet; features: FeatureMatrix },
  opts: { warm: number; epochs: number },
): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const r of EPOCH_RUNS.filter((r) => r.model !== "mf-bpr" && r.path === undefined)) {
    out[r.label] = [];
    await trainGroup(
      r.model,
      input.data,
      input.features,
      Array.from({ length: FUSED_POINTS }, (_, i) => {
        const lr = DEFAULT_HYPER.lr.map((x) => x * 2 ** (i - 2)) as [number, number, number];
        return {
          hp: { ...DEFAULT_HYPER, lr },
          opts: {
            rng: new Rng(1),
            epochs: opts.warm + opts.epochs,
            adversary: r.adversary,
            onEpoch: (e: number, s: { ms: number }) => {
              if (e > opts.warm) out[r.label].push(s.ms / 1000);
            },
          },
        };
      }),
    );
  }
  return out;
}

/** What one child measures (times in ms unless named `s`). */
export interface ChildReport {
  /** Scale name. */
  scale: string;
  /** Threads XNNPACK ran on (1 on WebGPU). */
  threads: number;
  /** tfjs backend (`wasm` when absent: files written before WebGPU existed). */
  backend?: string;
  /** WebGPU only: the adapter, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)" (a software driver). */
  adapter?: string;
  /** Why threads fell back, if they did. */
  fallback?: string;
  /**
   * Shape and samples of the peak matMul, GFLOP/s per rep, and the CPU cores the process
   * obtained meanwhile (CPU seconds per wall second: below the thread count on a busy machine).
   */
  peak: { shape: string; gflops: number[]; cores: number };
  /** One full step (gradients + Adagrad) per model: ms per rep and dense FLOPs per step. */
  step: Record<string, { ms: number[]; flop: number }>;
  /** Seconds per epoch per configuration. */
  epochS: Record<string, number[]>;
  /**
   * Seconds per epoch of one point of a fused group of {@link FUSED_POINTS} points (models/
   * train.ts `trainGroup`: the triples drawn and each batch's feature rows gathered once), per
   * model with features; the cost model prices fused grid levels with its ratio to `epochS`.
   * Absent at Amazon scale and in older files.
   */
  fusedEpochS?: Record<string, number[]>;
  /** The points of that group ({@link FUSED_POINTS}). */
  fusedPoints?: number;
  /** Seconds of one full evaluation (item factors + every user against 1,000 candidates). */
  evalS: number[];
  /** Peak resident set of this process, MB. */
  peakRssMB: number;
  /** Size of the WASM heap at the end, MB (the feature matrix never enters it; 0 on WebGPU). */
  wasmHeapMB: number;
}

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : fallback;
}

/** Random training pairs (skewed towards low item ids, the last 5% of items cold) and features. */
function randomData(s: Scale, rng: Rng): { data: TrainSet; features: FeatureMatrix } {
  const users = new Int32Array(s.pairs);
  const items = new Int32Array(s.pairs);
  const warm = Math.floor(s.items * 0.95);
  for (let t = 0; t < s.pairs; t++) {
    users[t] = t < s.users ? t : rng.int(s.users);
    items[t] = Math.floor(warm * rng.random() ** 1.5);
  }
  const data = new Float32Array(s.items * s.dim);
  for (let t = 0; t < data.length; t++) data[t] = rng.random();
  return {
    data: { nUsers: s.users, nItems: s.items, users, items },
    features: { rows: s.items, dim: s.dim, data },
  };
}

/** Dense FLOPs of one step with `n` distinct items (the XNNPACK products only). */
export function stepFlops(
  run: { model: ModelKind; path?: AdversaryPath },
  n: number,
  k: number,
  d: number,
): number {
  if (run.model === "mf-bpr") return 0;
  if (run.model !== "amr") return 4 * n * d * k; // forward + E gradient
  // Forward, G = g E, E Delta, and the E gradient over 2n rows.
  if (run.path === "materialised") return 10 * n * d * k;
  return 4 * (n + k) * d * k + 4 * n * k * k; // [C; E] both ways, (E E^T) g and M
}

/** CPU seconds (user + system, all threads) this process has used. */
function cpuSeconds(): number {
  const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function peakMatMul(reps: number): { shape: string; gflops: number[]; cores: number } {
  const m = 1024, k = 2048, n = 1024;
  const rng = new Rng(1);
  const a = new Float32Array(m * k).map(() => rng.random());
  const b = new Float32Array(k * n).map(() => rng.random());
  matMul(a, b, { m, k, n });
  const gflops: number[] = [];
  const cpu0 = cpuSeconds();
  const wall0 = performance.now();
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    matMul(a, b, { m, k, n });
    gflops.push((2 * m * k * n) / ((performance.now() - t0) * 1e6));
  }
  const cores = (cpuSeconds() - cpu0) / ((performance.now() - wall0) / 1000);
  return { shape: `[${m}x${k}]x[${k}x${n}]`, gflops, cores };
}

/**
 * The peak matMul on the WebGPU device: operands uploaded once, each rep synchronised by
 * reading back one number (the product's sum), so the product's own readback is not timed.
 */
async function devicePeakMatMul(reps: number): Promise<ChildReport["peak"]> {
  const m = 1024, k = 2048, n = 1024;
  const rng = new Rng(1);
  const a = tf.tensor2d(new Float32Array(m * k).map(() => rng.random()), [m, k]);
  const b = tf.tensor2d(new Float32Array(k * n).map(() => rng.random()), [k, n]);
  const once = async () => {
    const s = tf.tidy(() => tf.sum(tf.matMul(a, b)));
    await s.data();
    s.dispose();
  };
  await once();
  const gflops: number[] = [];
  const cpu0 = cpuSeconds();
  const wall0 = performance.now();
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await once();
    gflops.push((2 * m * k * n) / ((performance.now() - t0) * 1e6));
  }
  const cores = (cpuSeconds() - cpu0) / ((performance.now() - wall0) / 1000);
  a.dispose();
  b.dispose();
  return { shape: `[${m}x${k}]x[${k}x${n}]`, gflops, cores };
}

/**
 * One full step per model on the WebGPU device (models/webgpu_step.ts: gradients and Adagrad),
 * each synchronised by reading back its loss terms; the dense work counted as the WASM step's.
 */
async function timeDeviceSteps(
  input: { data: TrainSet; features: FeatureMatrix },
  reps: number,
): Promise<Record<string, { ms: number[]; flop: number }>> {
  const rng = new Rng(2);
  const triples = sampleEpoch(input.data, buildTrainIndex(input.data), rng);
  const out: Record<string, { ms: number[]; flop: number }> = {};
  const batches = Math.floor(triples.users.length / DEFAULT_HYPER.batchSize);
  const itemSlot = slotMap(input.data.nItems);
  for (const r of EPOCH_RUNS.filter((r) => r.model !== "mf-bpr")) {
    out[r.label] = { ms: [], flop: 0 };
    const w = initWeights(r.model, {
      nUsers: input.data.nUsers,
      nItems: input.data.nItems,
      dim: input.features.dim,
    }, { k: DEFAULT_HYPER.k, std: 0.01, rng: new Rng(3) });
    const m = uploadModel(w, createOptimizerState(w));
    const workspace = createDeviceWorkspace(input.data.nItems);
    for (let rep = 0; rep <= reps; rep++) {
      const start = (rep % batches) * DEFAULT_HYPER.batchSize;
      const batch = sliceTriples(triples, start, start + DEFAULT_HYPER.batchSize);
      const t0 = performance.now();
      const terms = deviceStep(m, batch, {
        model: r.model,
        features: input.features,
        regs: DEFAULT_HYPER.regs,
        adversary: r.adversary,
        adversaryPath: r.path,
        rng,
        workspace,
        lr: DEFAULT_HYPER.lr,
      });
      await terms.data();
      terms.dispose();
      const ms = performance.now() - t0;
      if (rep === 0) continue; // warm-up (shader compilation)
      out[r.label].ms.push(ms);
      const n = uniqueSlots([batch.pos, batch.neg], itemSlot).uniq.length;
      out[r.label].flop = stepFlops(r, n, DEFAULT_HYPER.k, input.features.dim);
    }
    disposeModel(m);
  }
  return out;
}

function timeSteps(
  input: { data: TrainSet; features: FeatureMatrix },
  reps: number,
): Record<string, { ms: number[]; flop: number }> {
  const rng = new Rng(2);
  const index = buildTrainIndex(input.data);
  const triples = sampleEpoch(input.data, index, rng);
  const ws = createStepWorkspace(input.data.nUsers, input.data.nItems);
  const out: Record<string, { ms: number[]; flop: number }> = {};
  const runs = EPOCH_RUNS.filter((r) => r.model !== "mf-bpr");
  const weights = runs.map((r) =>
    initWeights(r.model, {
      nUsers: input.data.nUsers,
      nItems: input.data.nItems,
      dim: input.features.dim,
    }, { k: DEFAULT_HYPER.k, std: 0.01, rng: new Rng(3) })
  );
  const states = weights.map((w) => createOptimizerState(w));
  for (const r of runs) out[r.label] = { ms: [], flop: 0 };
  const batches = Math.floor(triples.users.length / DEFAULT_HYPER.batchSize);
  for (let rep = 0; rep <= reps; rep++) {
    const start = (rep % batches) * DEFAULT_HYPER.batchSize;
    const batch = sliceTriples(triples, start, start + DEFAULT_HYPER.batchSize);
    runs.forEach((r, t) => {
      const t0 = performance.now();
      const g = bprGradients(weights[t], batch, {
        model: r.model,
        features: input.features,
        regs: DEFAULT_HYPER.regs,
        adversary: r.adversary,
        adversaryPath: r.path,
        rng,
        workspace: ws,
      });
      applyGradients(weights[t], g, { state: states[t], lr: DEFAULT_HYPER.lr });
      const ms = performance.now() - t0;
      if (rep === 0) return; // warm-up
      out[r.label].ms.push(ms);
      out[r.label].flop = stepFlops(r, g.items.length, DEFAULT_HYPER.k, input.features.dim);
    });
  }
  return out;
}

/** Peak resident set (VmHWM) of this process in MB. */
function peakRssMB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const m = status.match(/VmHWM:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const scale = SCALES[arg("scale", "pinterest") as Scale["name"]];
  if (!scale) throw new Error(`--scale: pinterest or amazon`);
  const reps = Number(arg("reps", "5"));
  const epochReps = Number(arg("epochs", scale.name === "amazon" ? "1" : "3"));
  const scoresPath = arg("scores", "");
  const facts = await initTf();
  const gpu = facts.backend === "webgpu";
  const peak = gpu ? await devicePeakMatMul(Math.max(3, reps)) : peakMatMul(Math.max(3, reps));
  const input = randomData(scale, new Rng(7));
  const step = gpu ? await timeDeviceSteps(input, reps * 4) : timeSteps(input, reps * 4);
  const epochS: Record<string, number[]> = {};
  let amrWeights = null;
  for (const r of EPOCH_RUNS) {
    epochS[r.label] = [];
    const warm = scale.name === "amazon" ? 0 : 1;
    const w = await train(
      r.model,
      input.data,
      r.model === "mf-bpr" ? null : input.features,
      DEFAULT_HYPER,
      {
        rng: new Rng(1),
        epochs: warm + epochReps,
        adversary: r.adversary,
        adversaryPath: r.path,
        onEpoch: (e, s) => {
          if (e > warm) epochS[r.label].push(s.ms / 1000);
        },
      },
    );
    if (r.label === "amr") amrWeights = w;
  }
  // Amazon's epochs take tens of seconds: a fused group there would add minutes per model.
  const fusedEpochS = gpu || scale.name === "amazon"
    ? undefined
    : await fusedEpochs(input, { warm: 1, epochs: epochReps });
  // eALS runs on the CPU alone (no tfjs), so thread counts do not change it; timed per sweep
  // under the same "mf-eals" label the cost model prices `iterations` with.
  epochS["mf-eals"] = await ealsSweeps(input.data, epochReps);
  // Full evaluation: every user against 1 target + the paper's 999 negatives.
  const rng = new Rng(11);
  const n = DEFAULT_NEGATIVES;
  const target = {
    users: scale.users,
    items: new Int32Array(scale.users).map(() => rng.int(scale.items)),
    n,
    negatives: new Int32Array(scale.users * n).map(() => rng.int(scale.items)),
    evaluated: scale.users,
  };
  const evalS: number[] = [];
  let scores: Float32Array | null = null;
  for (let r = 0; r < (scale.name === "amazon" ? 1 : reps); r++) {
    const t0 = performance.now();
    // On WebGPU the item latents are computed on the device (features already there).
    const latents = gpu
      ? await deviceLatents(amrWeights!.E!, input.features, amrWeights!.k)
      : undefined;
    scores = targetScores(
      factorScorer(scoringFactors(amrWeights!, input.features, { latents })),
      target,
    );
    evalS.push((performance.now() - t0) / 1000);
  }
  if (scoresPath && scores) {
    const kept = scores.subarray(0, Math.min(scores.length, 2000 * (1 + n))); // first 2,000 users
    await Deno.writeFile(scoresPath, new Uint8Array(kept.buffer, 0, kept.byteLength));
  }
  // deno-lint-ignore no-explicit-any
  const heap = (tf.backend() as any).wasm?.HEAPU8?.buffer?.byteLength ?? NaN;
  const report: ChildReport = {
    scale: scale.name,
    threads: facts.threads,
    ...(gpu ? { backend: facts.backend, adapter: facts.adapter } : {}),
    ...(facts.fallback ? { fallback: facts.fallback } : {}),
    peak,
    step,
    epochS,
    ...(fusedEpochS ? { fusedEpochS, fusedPoints: FUSED_POINTS } : {}),
    evalS,
    peakRssMB: peakRssMB(),
    wasmHeapMB: gpu ? 0 : heap / 2 ** 20,
  };
  console.log(JSON.stringify(report));
}

if (import.meta.main) await main();
