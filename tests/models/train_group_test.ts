/**
 * Fused training (models/train.ts `trainGroup`): every run of a group ends with the bytes it
 * ends with alone, whether it shares its cohort's triples, stops early, resumes from another
 * epoch or draws from another seed.
 */
import { type EpochStats, train, trainGroup, type TrainState } from "../../models/train.ts";
import type {
  AdversaryConfig,
  FeatureMatrix,
  Hyper,
  ModelKind,
  TrainSet,
  Weights,
} from "../../models/types.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { assert, randn } from "./_reference.ts";

function data(): { set: TrainSet; features: FeatureMatrix } {
  const rng = new Rng(5);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < 24; u++) {
    for (let t = 0; t < 5; t++) {
      users.push(u);
      items.push(rng.int(30));
    }
  }
  return {
    set: { nUsers: 24, nItems: 34, users: Int32Array.from(users), items: Int32Array.from(items) },
    features: { rows: 34, dim: 6, data: randn(34 * 6, 1, rng) },
  };
}

/** Three points of a grid level: the same seed, different scalar settings. */
function hyper(lr: number, l2: number): Hyper {
  return { k: 4, batchSize: 16, lr: [lr, lr, lr], regs: [l2, l2, l2], initStd: 0.1 };
}
const POINTS: Hyper[] = [hyper(0.05, 1e-3), hyper(0.2, 1e-4), hyper(0.01, 0)];

function sameWeights(a: Weights, b: Weights, what: string): void {
  for (const name of ["P", "Q", "E"] as const) {
    const x = a[name];
    const y = b[name];
    assert((x === null) === (y === null), `${what}: ${name} presence`);
    if (x && y) assert(x.every((v, i) => Object.is(v, y[i])), `${what}: ${name} differs`);
  }
}

function sameLosses(a: EpochStats[], b: EpochStats[], what: string): void {
  assert(a.length === b.length, `${what}: ${a.length} epochs vs ${b.length}`);
  a.forEach((s, i) => {
    assert(
      Object.is(s.loss, b[i].loss) && Object.is(s.advLoss, b[i].advLoss) &&
        s.batches === b[i].batches,
      `${what}: epoch ${i + 1} stats differ`,
    );
  });
}

const CASES: { model: ModelKind; adversary?: (i: number) => AdversaryConfig }[] = [
  { model: "mf-bpr" },
  { model: "vbpr" },
  { model: "amr", adversary: (i) => ({ kind: "grad", eps: [0.05, 0.5, 1][i], lambda: 1 }) },
  { model: "amr", adversary: (i) => ({ kind: "rand", eps: 0.5, lambda: [0, 1, 2][i] }) },
];

for (const { model, adversary } of CASES) {
  const label = `${model}${adversary ? ` (${adversary(0).kind})` : ""}`;
  Deno.test(`${label}: each run of a fused group ends bit-identical to the run alone`, async () => {
    const { set, features } = data();
    const f = model === "mf-bpr" ? null : features;
    // Point 1 stops early after epoch 2 (as patience would); the others train all 5 epochs.
    const stopAt = (i: number) => (i === 1 ? 2 : Infinity);
    const alone: { w: Weights; stats: EpochStats[]; sampler: string }[] = [];
    for (let i = 0; i < POINTS.length; i++) {
      const stats: EpochStats[] = [];
      let last: (() => TrainState) | null = null;
      const w = await train(model, set, f, POINTS[i], {
        rng: new Rng(17),
        epochs: 5,
        adversary: adversary?.(i),
        onEpoch: (e, s, _w, state) => {
          last = state;
          stats.push(s);
          return e >= stopAt(i);
        },
      });
      alone.push({ w, stats, sampler: JSON.stringify(last!().sampler) });
    }
    const fusedStats: EpochStats[][] = POINTS.map(() => []);
    const lastState: (() => TrainState)[] = [];
    const fused = await trainGroup(
      model,
      set,
      f,
      POINTS.map((hp, i) => ({
        hp,
        opts: {
          rng: new Rng(17),
          epochs: 5,
          adversary: adversary?.(i),
          onEpoch: (e: number, s: EpochStats, _w: Weights, state: () => TrainState) => {
            fusedStats[i].push(s);
            lastState[i] = state;
            return e >= stopAt(i);
          },
        },
      })),
    );
    for (let i = 0; i < POINTS.length; i++) {
      sameWeights(fused[i], alone[i].w, `point ${i}`);
      sameLosses(fusedStats[i], alone[i].stats, `point ${i}`);
      // Read after the whole group ended: a run that left early keeps its own sampler state.
      assert(
        JSON.stringify(lastState[i]().sampler) === alone[i].sampler,
        `point ${i}: the sampler state it ended with differs`,
      );
    }
    assert(fusedStats[1].length === 2, "the early stop is honoured inside the group");
  });
}

Deno.test("a group of runs at different epochs or seeds trains cohort by cohort, each bit-identical", async () => {
  const { set } = data();
  let saved: TrainState | null = null;
  const alone = await train("mf-bpr", set, null, POINTS[0], {
    rng: new Rng(17),
    epochs: 6,
    onEpoch: (e, _s, w, state) => {
      if (e === 3) {
        const s = state();
        saved = {
          ...s,
          weights: { ...w, P: w.P.slice(), Q: w.Q!.slice() },
          optimizer: { P: s.optimizer.P.slice(), Q: s.optimizer.Q!.slice(), E: null, H: null },
          sampler: structuredClone(s.sampler),
          noise: structuredClone(s.noise),
        };
      }
    },
  });
  const other = await train("mf-bpr", set, null, POINTS[1], { rng: new Rng(99), epochs: 6 });
  const fresh = await train("mf-bpr", set, null, POINTS[2], { rng: new Rng(17), epochs: 6 });
  const fused = await trainGroup("mf-bpr", set, null, [
    { hp: POINTS[0], opts: { rng: new Rng(17), epochs: 6, resume: saved! } },
    { hp: POINTS[1], opts: { rng: new Rng(99), epochs: 6 } },
    { hp: POINTS[2], opts: { rng: new Rng(17), epochs: 6 } },
  ]);
  sameWeights(fused[0], alone, "the run resumed at epoch 3");
  sameWeights(fused[1], other, "the run of another seed");
  sameWeights(fused[2], fresh, "the fresh run");
});
