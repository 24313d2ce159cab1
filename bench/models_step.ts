/**
 * Training-step timings of MF-BPR, VBPR and AMR at Pinterest scale (3,226 users, 4,998 items,
 * 6,618 training pairs, D = 2048, K = 64, batch 512) on random data.
 *
 *   deno run --allow-all bench/models_step.ts [--epochs 3] [--reps 15]
 *
 * Prints the speed of the two dense products, ms per step on one batch (min and median of
 * interleaved reps) and ms per epoch through `train()` (median; mean ms per step) for each
 * model. Not a test.
 *
 * @module
 */
import {
  type AdversaryPath,
  applyGradients,
  bprGradients,
  createOptimizerState,
  createStepWorkspace,
} from "../models/bpr_step.ts";
import { initWeights } from "../models/init.ts";
import { matMul } from "../models/matmul.ts";
import { buildTrainIndex, sampleEpoch, sliceTriples } from "../models/sampler.ts";
import { initTf } from "../models/tf_backend.ts";
import { train } from "../models/train.ts";
import {
  type AdversaryConfig,
  DEFAULT_HYPER,
  type FeatureMatrix,
  type ModelKind,
  type TrainSet,
} from "../models/types.ts";
import { Rng } from "../pipeline/rng.ts";

const N_USERS = 3226;
const N_ITEMS = 4998;
const N_PAIRS = 6618;
const DIM = 2048;

function randomData(rng: Rng): { data: TrainSet; features: FeatureMatrix } {
  const users = new Int32Array(N_PAIRS);
  const items = new Int32Array(N_PAIRS);
  const warm = 4500; // items 4500.. are cold, as part of Pinterest's test items are
  for (let t = 0; t < N_PAIRS; t++) {
    users[t] = t < N_USERS ? t : rng.int(N_USERS);
    items[t] = rng.int(warm);
  }
  const data = new Float32Array(N_ITEMS * DIM);
  for (let t = 0; t < data.length; t++) data[t] = rng.random();
  return {
    data: { nUsers: N_USERS, nItems: N_ITEMS, users, items },
    features: { rows: N_ITEMS, dim: DIM, data },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeModel(
  label: string,
  model: ModelKind,
  input: { data: TrainSet; features: FeatureMatrix },
  opts: { epochs: number; adversary?: AdversaryConfig; adversaryPath?: AdversaryPath },
): Promise<void> {
  const epochMs: number[] = [];
  let batches = 0;
  await train(model, input.data, model === "mf-bpr" ? null : input.features, DEFAULT_HYPER, {
    rng: new Rng(1),
    epochs: opts.epochs + 1, // the first epoch warms up and is not timed
    adversary: opts.adversary,
    adversaryPath: opts.adversaryPath,
    onEpoch: (e, s) => {
      if (e > 1) epochMs.push(s.ms);
      batches = s.batches;
    },
  });
  const total = epochMs.reduce((a, b) => a + b, 0);
  console.log(
    `  ${label.padEnd(26)} ${(total / (epochMs.length * batches)).toFixed(1).padStart(7)} ms/step` +
      `  ${median(epochMs).toFixed(0).padStart(6)} ms/epoch (${batches} batches)`,
  );
}

function timeDense(): void {
  const a = new Float32Array(1024 * DIM).fill(0.01);
  const et = new Float32Array(DIM * 64).fill(0.02);
  const l = new Float32Array(64 * 1024).fill(0.03);
  const reps = 10;
  let t0 = performance.now();
  for (let r = 0; r < reps; r++) matMul(a, et, 1024, DIM, 64);
  const fwd = (performance.now() - t0) / reps;
  t0 = performance.now();
  for (let r = 0; r < reps; r++) matMul(l, a, 64, 1024, DIM);
  const back = (performance.now() - t0) / reps;
  const gflop = (2 * 1024 * DIM * 64) / 1e6;
  console.log(
    `dense products (1024 rows): forward [1024x${DIM}]x[${DIM}x64] ${fwd.toFixed(1)} ms ` +
      `(${(gflop / fwd).toFixed(1)} GFLOP/s), E-gradient [64x1024]x[1024x${DIM}] ${
        back.toFixed(1)
      } ms ` +
      `(${(gflop / back).toFixed(1)} GFLOP/s)`,
  );
}

/** Step configurations: model kind plus adversary. */
const CONFIGS: {
  label: string;
  model: ModelKind;
  adversary?: AdversaryConfig;
  path?: AdversaryPath;
}[] = [
  { label: "mf-bpr", model: "mf-bpr" },
  { label: "vbpr", model: "vbpr" },
  {
    label: "amr grad (closed form)",
    model: "amr",
    adversary: { kind: "grad", eps: 0.1, lambda: 1 },
  },
  {
    label: "amr grad (materialised)",
    model: "amr",
    adversary: { kind: "grad", eps: 0.1, lambda: 1 },
    path: "materialised",
  },
  { label: "amr sign", model: "amr", adversary: { kind: "sign", eps: 0.1, lambda: 1 } },
  { label: "amr rand", model: "amr", adversary: { kind: "rand", eps: 0.1, lambda: 1 } },
];

/**
 * One full step (gradients + Adagrad) on the same batch for every configuration, interleaved
 * `reps` times; min and median per configuration (the min is robust to a busy machine).
 */
function timeSteps(input: { data: TrainSet; features: FeatureMatrix }, reps: number): void {
  const rng = new Rng(2);
  const triples = sampleEpoch(input.data, buildTrainIndex(input.data), rng);
  const batch = sliceTriples(triples, 0, DEFAULT_HYPER.batchSize);
  const ws = createStepWorkspace(N_USERS, N_ITEMS);
  const times = CONFIGS.map(() => [] as number[]);
  let distinct = "";
  for (let r = 0; r < reps; r++) {
    CONFIGS.forEach((c, t) => {
      const w = initWeights(c.model, { nUsers: N_USERS, nItems: N_ITEMS, dim: DIM }, {
        k: DEFAULT_HYPER.k,
        std: 0.01,
        rng: new Rng(3),
      });
      const state = createOptimizerState(w);
      const t0 = performance.now();
      const g = bprGradients(w, batch, {
        model: c.model,
        features: c.model === "mf-bpr" ? null : input.features,
        regs: DEFAULT_HYPER.regs,
        adversary: c.adversary,
        adversaryPath: c.path,
        rng,
        workspace: ws,
      });
      applyGradients(w, g, { state, lr: DEFAULT_HYPER.lr });
      times[t].push(performance.now() - t0);
      distinct = `${g.items.length} distinct items, ${g.users.length} distinct users`;
    });
  }
  console.log(
    `one step on a batch of ${DEFAULT_HYPER.batchSize} triples (${distinct}), ${reps} reps:`,
  );
  CONFIGS.forEach((c, t) => {
    const ms = times[t].slice(1); // first rep warms up
    console.log(
      `  ${c.label.padEnd(26)} min ${Math.min(...ms).toFixed(1).padStart(6)} ms  median ${
        median(ms).toFixed(1).padStart(6)
      } ms`,
    );
  });
}

const epochsArg = Deno.args.indexOf("--epochs");
const epochs = epochsArg >= 0 ? Number(Deno.args[epochsArg + 1]) : 3;
const repsArg = Deno.args.indexOf("--reps");
const reps = repsArg >= 0 ? Number(Deno.args[repsArg + 1]) : 15;
const facts = await initTf();
console.log(
  `backend: tfjs ${facts.tfjsVersion} ${facts.backend} simd=${facts.simd} threads=${facts.threads}`,
);
console.log(
  `Pinterest scale: ${N_USERS} users, ${N_ITEMS} items, ${N_PAIRS} pairs, D=${DIM}, K=64, batch 512`,
);
const input = randomData(new Rng(7));
timeDense();
timeSteps(input, reps);
console.log(`whole epochs (train(), ${epochs} timed after one warm-up epoch):`);
for (const c of CONFIGS) {
  await timeModel(c.label, c.model, input, {
    epochs,
    adversary: c.adversary,
    adversaryPath: c.path,
  });
}
