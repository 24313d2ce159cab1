/** Resumable training: a run stopped after epoch e and resumed from its state ends bit-identical. */
import { train, type TrainState } from "../../models/train.ts";
import type { FeatureMatrix, Hyper, TrainSet, Weights } from "../../models/types.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { assert, randn } from "./_reference.ts";

const HP: Hyper = {
  k: 4,
  batchSize: 7,
  lr: [0.05, 0.05, 0.05],
  regs: [1e-3, 1e-3, 1e-4],
  initStd: 0.1,
};

function data(): { set: TrainSet; features: FeatureMatrix } {
  const rng = new Rng(3);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < 20; u++) {
    for (let t = 0; t < 4; t++) {
      users.push(u);
      items.push(rng.int(25));
    }
  }
  return {
    set: { nUsers: 20, nItems: 30, users: Int32Array.from(users), items: Int32Array.from(items) },
    features: { rows: 30, dim: 6, data: randn(30 * 6, 1, rng) },
  };
}

/** A deep copy of a state (the one `onEpoch` gives holds live arrays). */
function copyState(s: TrainState): TrainState {
  const w: Weights = {
    ...s.weights,
    P: s.weights.P.slice(),
    Q: s.weights.Q?.slice() ?? null,
    E: s.weights.E?.slice() ?? null,
  };
  return {
    epoch: s.epoch,
    weights: w,
    optimizer: {
      P: s.optimizer.P.slice(),
      Q: s.optimizer.Q?.slice() ?? null,
      E: s.optimizer.E?.slice() ?? null,
      H: s.optimizer.H?.slice() ?? null,
    },
    sampler: structuredClone(s.sampler),
    noise: structuredClone(s.noise),
  };
}

for (const model of ["mf-bpr", "amr"] as const) {
  Deno.test(`${model}: resuming after epoch 3 of 7 gives bit-identical weights`, async () => {
    const { set, features } = data();
    const adversary = model === "amr" ? { kind: "rand" as const, eps: 0.5, lambda: 1 } : undefined;
    const f = model === "amr" ? features : null;
    const whole = await train(model, set, f, HP, { rng: new Rng(9), epochs: 7, adversary });
    let saved: TrainState | null = null;
    await train(model, set, f, HP, {
      rng: new Rng(9),
      epochs: 7,
      adversary,
      onEpoch: (e, _s, _w, state) => {
        if (e === 3) saved = copyState(state());
        if (e === 4) throw new Error("killed");
      },
    }).catch((e) => assert((e as Error).message === "killed", String(e)));
    assert(saved !== null, "no state at epoch 3");
    const resumed = await train(model, set, f, HP, {
      rng: new Rng(9),
      epochs: 7,
      adversary,
      resume: saved!,
    });
    for (const name of ["P", "Q", "E"] as const) {
      const a = whole[name];
      const b = resumed[name];
      assert((a === null) === (b === null), `${name} presence`);
      if (a && b) assert(a.every((v, i) => Object.is(v, b[i])), `${name} differs after resume`);
    }
  });
}

Deno.test("a NaN feature makes training fail naming the epoch, the batch and a parameter", async () => {
  const { set, features } = data();
  features.data[5] = NaN;
  let message = "";
  await train("vbpr", set, features, HP, { rng: new Rng(1), epochs: 2 }).catch((e) => {
    message = (e as Error).message;
  });
  assert(/training diverged at epoch 1, batch \d+: loss is NaN/.test(message), message);
});

Deno.test("an exploding learning rate is caught with the parameter named", async () => {
  const { set } = data();
  let message = "";
  await train("mf-bpr", set, null, { ...HP, lr: [1e38, 1e38, 1e38] }, {
    rng: new Rng(1),
    epochs: 50,
  })
    .catch((e) => {
      message = (e as Error).message;
    });
  assert(
    /training diverged .*parameter [PQ]\[\d+, \d+\] is (NaN|-?Infinity)/.test(message),
    message,
  );
});
