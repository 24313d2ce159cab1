/**
 * The AMR adversary: norms, one perturbation per repeated item from the summed gradient,
 * closed form == materialised reference (perturbed scores and updates), lambda = 0 == VBPR,
 * adversarial loss >= clean loss, and the rand/sign variants.
 */
import { type BatchGradients, bprGradients, type StepOptions } from "../../models/bpr_step.ts";
import { applyGradients, createOptimizerState } from "../../models/adagrad.ts";
import { cloneWeights } from "../../models/init.ts";
import { matMul, transpose } from "../../models/matmul.ts";
import { initTf } from "../../models/tf_backend.ts";
import type { FeatureMatrix, Triples, Weights } from "../../models/types.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { assert, assertSame, randn, Reference, tinyProblem, toFloat64 } from "./_reference.ts";
import { assertAllClose } from "../assert_close.ts";

await initTf();

/** A mid-sized problem (D = 256, K = 16, batch 200 over 60 items: many repeats). */
function midProblem(seed: number): { w: Weights; features: FeatureMatrix; batch: Triples } {
  const rng = new Rng(seed);
  const k = 16;
  const dim = 256;
  const nUsers = 40;
  const nItems = 60;
  const w: Weights = {
    P: randn(nUsers * k, 0.3, rng),
    Q: randn(nItems * k, 0.3, rng),
    E: randn(k * dim, 0.05, rng),
    k,
    dim,
  };
  const features = { rows: nItems, dim, data: randn(nItems * dim, 1, rng) };
  const n = 200;
  const batch = { users: new Int32Array(n), pos: new Int32Array(n), neg: new Int32Array(n) };
  for (let r = 0; r < n; r++) {
    batch.users[r] = rng.int(nUsers);
    batch.pos[r] = rng.int(nItems / 2);
    batch.neg[r] = nItems / 2 + rng.int(nItems / 2);
  }
  return { w, features, batch };
}

/** D-wide Delta rows of a closed-form result: Delta_i = scale_i * E^T g_i, rebuilt here. */
function deltaNorms(g: BatchGradients, dim: number): number[] {
  const d = g.perturbation!.delta!;
  const out: number[] = [];
  for (let t = 0; t < g.items.length; t++) {
    let sq = 0;
    for (let c = 0; c < dim; c++) sq += d[t * dim + c] ** 2;
    out.push(Math.sqrt(sq));
  }
  return out;
}

function step(w: Weights, opts: StepOptions, batch: Triples): Weights {
  const next = cloneWeights(w);
  applyGradients(next, bprGradients(next, batch, opts), {
    state: createOptimizerState(next),
    lr: [0.05, 0.05, 0.05],
  });
  return next;
}

// l3 = 0 is the authors' setting (E enters the E-gradient product through M alone).
for (const l3 of [0.001, 0]) {
  Deno.test(`closed form equals the materialised reference (l3 = ${l3}): scores, gradients, updates`, () => {
    const { w, features, batch } = midProblem(3);
    const base = { model: "amr" as const, features, regs: [0.1, 0.01, l3] as const };
    const adversary = { kind: "grad" as const, eps: 0.3, lambda: 1 };
    const closed = bprGradients(w, batch, { ...base, adversary, adversaryPath: "closed" });
    const mat = bprGradients(w, batch, { ...base, adversary, adversaryPath: "materialised" });
    assertSame(closed.items, mat.items, "items");
    assertAllClose(closed.perturbation!.latent, mat.perturbation!.latent, {
      rtol: 1e-4,
      atol: 1e-6,
      msg: "E Delta",
    });
    assertAllClose([closed.advLoss], [mat.advLoss], { rtol: 1e-6, msg: "adv loss" });
    assertAllClose(closed.gP, mat.gP, { rtol: 1e-4, atol: 1e-6, msg: "gP" });
    assertAllClose(closed.gQ!, mat.gQ!, { rtol: 1e-4, atol: 1e-6, msg: "gQ" });
    assertAllClose(closed.gE!, mat.gE!, { rtol: 1e-4, atol: 1e-6, msg: "gE" });
    // Delta rows have norm eps; the closed-form Delta, scale_i E^T g_i, is the same vector.
    for (const n of deltaNorms(mat, w.dim)) assertAllClose([n], [0.3], { rtol: 1e-5 });
    const a = step(w, { ...base, adversary, adversaryPath: "closed" }, batch);
    const b = step(w, { ...base, adversary, adversaryPath: "materialised" }, batch);
    assertAllClose(a.P, b.P, { rtol: 1e-5, atol: 1e-7, msg: "updated P" });
    assertAllClose(a.Q!, b.Q!, { rtol: 1e-5, atol: 1e-7, msg: "updated Q" });
    assertAllClose(a.E!, b.E!, { rtol: 1e-5, atol: 1e-7, msg: "updated E" });
  });
}

Deno.test("closed-form Delta has norm eps and comes from the batch-summed gradient", () => {
  const { w, features, batch } = tinyProblem("amr", { seed: 21, dim: 9 });
  const eps = 0.4;
  const grads = bprGradients(w, batch, {
    model: "amr",
    features,
    regs: [0, 0, 0],
    adversary: { kind: "grad", eps, lambda: 1 },
  });
  const p = grads.perturbation!;
  const ref = new Reference("amr", toFloat64(w), features);
  const refDelta = ref.deltas(batch, "grad", eps);
  // Item 2 occurs in three rows (twice positive, once negative) and has one slot and one Delta.
  assert(grads.items.filter((i) => i === 2).length === 1, "item 2 has one slot");
  for (let t = 0; t < grads.items.length; t++) {
    const d = refDelta.get(grads.items[t])!;
    assertAllClose([Math.hypot(...d)], [eps], { rtol: 1e-9 });
    // E Delta from the reference (summed over the item's rows) equals the step's.
    const eDelta = ref.latent(grads.items[t], d).map((v, a) => v - ref.latent(grads.items[t])[a]);
    assertAllClose(p.latent.subarray(t * w.k, (t + 1) * w.k), eDelta, { rtol: 1e-4, atol: 1e-6 });
  }
  // A per-row perturbation (from row 0 alone) differs from the summed one for item 2.
  const single = ref.deltas(
    {
      users: batch.users.subarray(0, 1),
      pos: batch.pos.subarray(0, 1),
      neg: batch.neg.subarray(0, 1),
    },
    "grad",
    eps,
  ).get(2)!;
  const summed = refDelta.get(2)!;
  assert(
    single.some((v, c) => Math.abs(v - summed[c]) > 1e-3),
    "summed and per-row Delta should differ",
  );
});

Deno.test("adversarial loss >= clean loss on the batch (grad, sign)", () => {
  const { w, features, batch } = midProblem(8);
  for (const kind of ["grad", "sign"] as const) {
    for (const path of ["closed", "materialised"] as const) {
      const g = bprGradients(w, batch, {
        model: "amr",
        features,
        regs: [0, 0, 0],
        adversary: { kind, eps: kind === "sign" ? 0.01 : 0.5, lambda: 1 },
        adversaryPath: path,
      });
      assert(g.advLoss >= g.loss, `${kind}/${path}: adv ${g.advLoss} < clean ${g.loss}`);
      assert(g.advLoss > g.loss * 1.0001, `${kind}/${path}: perturbation had no effect`);
    }
  }
});

Deno.test("lambda = 0: the AMR step equals the VBPR step bit for bit (every adversary kind)", () => {
  const { w, features, batch } = midProblem(4);
  for (const regs of [[0.1, 0.01, 0], [0.1, 0.01, 0.01]] as const) {
    const vbpr = bprGradients(w, batch, { model: "vbpr", features, regs });
    for (const kind of ["grad", "rand", "sign"] as const) {
      const amr = bprGradients(w, batch, {
        model: "amr",
        features,
        regs,
        adversary: { kind, eps: 0.5, lambda: 0 },
        rng: new Rng(1),
      });
      assertSame(amr.gP, vbpr.gP, `${kind} gP`);
      assertSame(amr.gQ!, vbpr.gQ!, `${kind} gQ`);
      assertSame(amr.gE!, vbpr.gE!, `${kind} gE (l3 ${regs[2]})`);
    }
  }
});

Deno.test("rand: Gaussian Delta rows of norm eps, E Delta = E times the noise", () => {
  const { w, features, batch } = midProblem(5);
  const g = bprGradients(w, batch, {
    model: "amr",
    features,
    regs: [0, 0, 0],
    adversary: { kind: "rand", eps: 0.2, lambda: 1 },
    rng: new Rng(9),
  });
  const p = g.perturbation!;
  for (const n of deltaNorms(g, w.dim)) assertAllClose([n], [0.2], { rtol: 1e-5 });
  const eDelta = matMul(p.delta!, transpose(w.E!, w.k, w.dim), {
    m: g.items.length,
    k: w.dim,
    n: w.k,
  });
  assertAllClose(p.latent, eDelta, { rtol: 1e-5, atol: 1e-7 });
});

Deno.test("sign: Delta = eps * sign(E^T g) of the summed gradient", () => {
  const { w, features, batch } = tinyProblem("amr", { seed: 22, dim: 9 });
  const g = bprGradients(w, batch, {
    model: "amr",
    features,
    regs: [0, 0, 0],
    adversary: { kind: "sign", eps: 0.05, lambda: 1 },
  });
  const ref = new Reference("amr", toFloat64(w), features).deltas(batch, "sign", 0.05);
  for (let t = 0; t < g.items.length; t++) {
    assertAllClose(
      g.perturbation!.delta!.subarray(t * w.dim, (t + 1) * w.dim),
      ref.get(g.items[t])!,
      {
        rtol: 0,
        atol: 1e-9,
        msg: `item ${g.items[t]}`,
      },
    );
  }
});
