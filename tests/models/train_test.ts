/** Training loop: partial last batch, lambda = 0 equals VBPR, init chain, learning on synthetic data. */
import { coldItems } from "../../models/sampler.ts";
import { scoreItems } from "../../models/score.ts";
import { type EpochStats, train } from "../../models/train.ts";
import type { FeatureMatrix, Hyper, ModelKind, TrainSet, Weights } from "../../models/types.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { assert, assertSame, randn } from "./_reference.ts";

const SMALL: Hyper = {
  k: 8,
  batchSize: 4,
  lr: [0.05, 0.05, 0.05],
  regs: [1e-3, 1e-3, 1e-4],
  initStd: 0.01,
};

Deno.test("the last partial batch is used: every user's row moves in one epoch", async () => {
  // 10 users with one pair each; batches of 4 leave a last batch of 2.
  const data: TrainSet = {
    nUsers: 10,
    nItems: 12,
    users: Int32Array.from({ length: 10 }, (_, u) => u),
    items: Int32Array.from({ length: 10 }, (_, u) => u),
  };
  const init = await train("mf-bpr", data, null, SMALL, { rng: new Rng(1), epochs: 0 });
  let stats: EpochStats | null = null;
  const w = await train("mf-bpr", data, null, SMALL, {
    rng: new Rng(1),
    epochs: 1,
    init,
    onEpoch: (_e, s) => {
      stats = s;
    },
  });
  assert(stats!.triples === 10 && stats!.batches === 3, JSON.stringify(stats));
  for (let u = 0; u < 10; u++) {
    assert(
      w.P.subarray(u * 8, u * 8 + 8).some((v, c) => v !== init.P[u * 8 + c]),
      `user ${u} untouched`,
    );
  }
});

/** Low-rank synthetic data: users like items whose features align with their taste. */
function synthetic(seed: number) {
  const rng = new Rng(seed);
  const nUsers = 150;
  const nItems = 240;
  const nWarm = 180;
  const dim = 24;
  const features: FeatureMatrix = { rows: nItems, dim, data: randn(nItems * dim, 1, rng) };
  const basis = randn(3 * dim, 1, rng);
  const taste = (u: number, i: number, z: Float32Array) => {
    let y = 0;
    for (let c = 0; c < dim; c++) {
      let wc = 0;
      for (let a = 0; a < 3; a++) wc += z[u * 3 + a] * basis[a * dim + c];
      y += wc * features.data[i * dim + c];
    }
    return y;
  };
  const z = randn(nUsers * 3, 1, rng);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const ranked = Array.from({ length: nWarm }, (_, i) => i).sort((a, b) =>
      taste(u, b, z) - taste(u, a, z)
    );
    for (const i of ranked.slice(0, 8)) {
      users.push(u);
      items.push(i);
    }
  }
  const data: TrainSet = {
    nUsers,
    nItems,
    users: Int32Array.from(users),
    items: Int32Array.from(items),
  };
  return { data, features, taste: (u: number, i: number) => taste(u, i, z), nWarm };
}

/** Mean over users of the AUC among cold items, against the true taste ordering (top 10 vs rest). */
function coldAuc(w: Weights, s: ReturnType<typeof synthetic>): number {
  const { data, features, nWarm } = s;
  const cold = coldItems(data);
  const coldList = Array.from({ length: data.nItems - nWarm }, (_, t) => nWarm + t);
  let total = 0;
  for (let u = 0; u < data.nUsers; u++) {
    const ranked = [...coldList].sort((a, b) => s.taste(u, b) - s.taste(u, a));
    const users = new Int32Array(ranked.length).fill(u);
    const scores = scoreItems(w, features, users, Int32Array.from(ranked), {
      coldItems: cold,
      coldMode: "zero",
    });
    let good = 0;
    let pairs = 0;
    for (let a = 0; a < 10; a++) {
      for (let b = 10; b < ranked.length; b++) {
        pairs++;
        good += scores[a] > scores[b] ? 1 : scores[a] === scores[b] ? 0.5 : 0;
      }
    }
    total += good / pairs;
  }
  return total / data.nUsers;
}

Deno.test("training lowers the loss; VBPR beats MF-BPR on cold items; AMR(lambda=0) == VBPR", async () => {
  const s = synthetic(17);
  const hp: Hyper = {
    k: 16,
    batchSize: 64,
    lr: [0.05, 0.05, 0.02],
    regs: [1e-3, 1e-3, 0],
    initStd: 0.01,
  };
  const run = async (model: ModelKind, opts: { init?: Weights; lambda?: number } = {}) => {
    const losses: number[] = [];
    const w = await train(model, s.data, model === "mf-bpr" ? null : s.features, hp, {
      rng: new Rng(5),
      epochs: 25,
      init: opts.init,
      adversary: opts.lambda === undefined
        ? undefined
        : { kind: "grad", eps: 0.5, lambda: opts.lambda },
      onEpoch: (_e, st) => {
        losses.push(st.loss);
      },
    });
    return { w, losses };
  };
  const mf = await run("mf-bpr");
  const vbpr = await run("vbpr", { init: mf.w });
  for (const r of [mf, vbpr]) {
    assert(r.losses.at(-1)! < 0.7 * r.losses[0], `loss ${r.losses[0]} -> ${r.losses.at(-1)}`);
  }
  // VBPR started from MF's P and Q (the first epoch's loss is already low).
  assert(vbpr.losses[0] < mf.losses[0], `vbpr first loss ${vbpr.losses[0]} vs mf ${mf.losses[0]}`);
  const aucMf = coldAuc(mf.w, s);
  const aucVbpr = coldAuc(vbpr.w, s);
  assert(Math.abs(aucMf - 0.5) < 1e-9, `MF cold AUC ${aucMf} should be chance (q_i = 0)`);
  assert(aucVbpr > 0.7, `VBPR cold AUC ${aucVbpr}`);
  const amr0 = await run("amr", { init: mf.w, lambda: 0 });
  assertSame(amr0.w.P, vbpr.w.P, "P");
  assertSame(amr0.w.Q!, vbpr.w.Q!, "Q");
  assertSame(amr0.w.E!, vbpr.w.E!, "E");
  // With lambda > 0 the adversary changes the result, and the perturbed loss is the larger one.
  let adv: number[] = [];
  let clean: number[] = [];
  await train("amr", s.data, s.features, hp, {
    rng: new Rng(5),
    epochs: 3,
    init: vbpr.w,
    adversary: { kind: "grad", eps: 0.5, lambda: 1 },
    onEpoch: (_e, st) => {
      adv = [...adv, st.advLoss];
      clean = [...clean, st.loss];
    },
  });
  assert(adv.every((a, t) => a > clean[t]), `adv ${adv} clean ${clean}`);
});

Deno.test("init chain copies weights and never aliases the caller's arrays", async () => {
  const s = synthetic(3);
  const mf = await train("mf-bpr", s.data, null, SMALL, { rng: new Rng(2), epochs: 1 });
  const vbpr = await train("vbpr", s.data, s.features, SMALL, {
    rng: new Rng(2),
    epochs: 0,
    init: mf,
  });
  assertSame(vbpr.P, mf.P);
  assertSame(vbpr.Q!, mf.Q!);
  assert(vbpr.P !== mf.P && vbpr.E !== null && vbpr.E.length === SMALL.k * s.features.dim);
  const amr = await train("amr", s.data, s.features, SMALL, {
    rng: new Rng(9),
    epochs: 0,
    init: vbpr,
    adversary: { kind: "grad", eps: 0.1, lambda: 1 },
  });
  assertSame(amr.E!, vbpr.E!);
});

Deno.test("training leaves no tensors behind and stops on abort", async () => {
  const tf = await import("@tensorflow/tfjs");
  const s = synthetic(4);
  const before = tf.memory().numTensors;
  const ctl = new AbortController();
  let epochs = 0;
  let error = "";
  try {
    await train("amr", s.data, s.features, SMALL, {
      rng: new Rng(1),
      epochs: 5,
      adversary: { kind: "sign", eps: 0.1, lambda: 1 },
      signal: ctl.signal,
      onEpoch: () => {
        epochs++;
        ctl.abort();
      },
    });
  } catch (e) {
    error = (e as Error).name;
  }
  assert(epochs === 1 && error === "AbortError", `epochs ${epochs}, error ${error}`);
  assert(tf.memory().numTensors === before, `tensors ${before} -> ${tf.memory().numTensors}`);
});
