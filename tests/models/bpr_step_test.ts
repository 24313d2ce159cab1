/**
 * Explicit batch gradients of every model (and of AMR with each adversary) against central
 * finite differences of a float64 reference objective; loss values against the reference.
 */
import { bprGradients } from "../../models/bpr_step.ts";
import { initTf } from "../../models/tf_backend.ts";
import type { AdversaryConfig, ModelKind, RegulariserForm, Weights } from "../../models/types.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import type { AdversaryPath } from "../../models/bpr_step.ts";
import { centralDiff, Reference, tinyProblem, toFloat64 } from "./_reference.ts";
import { assertAllClose } from "../assert_close.ts";

await initTf();
const REGS = [0.1, 0.05, 0.02] as const;

/** Dense gradient of a table from sparse rows. */
function scatter(rows: Int32Array, g: Float32Array, size: number, k: number): Float64Array {
  const out = new Float64Array(size);
  for (let r = 0; r < rows.length; r++) {
    for (let c = 0; c < k; c++) out[rows[r] * k + c] += g[r * k + c];
  }
  return out;
}

function checkModel(
  model: ModelKind,
  adversary?: AdversaryConfig,
  path?: AdversaryPath,
  regulariser?: RegulariserForm,
  regs: readonly [number, number, number] = REGS,
): void {
  const { w, features, batch } = tinyProblem(model, { seed: 11 });
  const grads = bprGradients(w, batch, {
    model,
    features,
    regs,
    regulariser,
    adversary,
    adversaryPath: path,
    rng: new Rng(5),
  });
  const w64 = toFloat64(w);
  const ref = new Reference(model, w64, features);
  let deltas: Map<number, ArrayLike<number>> | undefined;
  if (adversary) {
    const p = grads.perturbation!;
    if (adversary.kind === "rand") {
      deltas = new Map();
      for (let t = 0; t < grads.items.length; t++) {
        deltas.set(grads.items[t], p.delta!.subarray(t * w.dim, (t + 1) * w.dim));
      }
    } else {
      deltas = ref.deltas(batch, adversary.kind, adversary.eps);
    }
    // E Delta of the step equals the reference's, item by item.
    for (let t = 0; t < grads.items.length; t++) {
      const d = deltas.get(grads.items[t])!;
      const eDelta = ref.latent(grads.items[t], d).map((v, a) => v - ref.latent(grads.items[t])[a]);
      assertAllClose(p.latent.subarray(t * w.k, (t + 1) * w.k), eDelta, {
        rtol: 1e-4,
        atol: 1e-6,
        msg: `${model} E Delta item ${grads.items[t]}`,
      });
    }
  }
  const lambda = adversary?.lambda ?? 0;
  const obj = () => ref.objective(batch, { regs, lambda, deltas, regulariser });
  const o = obj();
  assertAllClose([grads.loss, grads.advLoss, grads.regLoss], [o.loss, o.advLoss, o.regLoss], {
    rtol: 1e-5,
    msg: `${model} losses`,
  });
  const k = w.k;
  const tables: [string, Float64Array | null | undefined, Float64Array | null][] = [
    ["P", w64.P, scatter(grads.users, grads.gP, w.P.length, k)],
    ["Q", w64.Q, grads.gQ && w.Q ? scatter(grads.items, grads.gQ, w.Q.length, k) : null],
    ["H", w64.H, grads.gH && w.H ? scatter(grads.users, grads.gH, w.H.length, k) : null],
    ["E", w64.E, grads.gE ? Float64Array.from(grads.gE) : null],
  ];
  for (const [name, param, analytic] of tables) {
    if (!param) {
      if (analytic) throw new Error(`${model}: gradient for absent ${name}`);
      continue;
    }
    if (!analytic) throw new Error(`${model}: no gradient for ${name}`);
    const numeric = new Float64Array(param.length);
    for (let t = 0; t < param.length; t++) numeric[t] = centralDiff(param, t, () => obj().total);
    assertAllClose(analytic, numeric, { rtol: 2e-3, atol: 2e-4, msg: `${model} d/d${name}` });
  }
}

for (const model of ["mf-bpr", "duif", "vbpr", "vbpr-eq2"] as ModelKind[]) {
  Deno.test(`${model}: gradient matches finite differences`, () => checkModel(model));
  Deno.test(`${model}, paper eq. 10 regulariser: gradient matches finite differences`, () =>
    checkModel(model, undefined, undefined, "paper"));
}

const ADV: [ModelKind, AdversaryConfig, AdversaryPath?][] = [
  ["amr", { kind: "grad", eps: 0.5, lambda: 0.7 }, "closed"],
  ["amr", { kind: "grad", eps: 0.5, lambda: 0.7 }, "materialised"],
  ["amr", { kind: "sign", eps: 0.2, lambda: 0.7 }],
  ["amr", { kind: "rand", eps: 0.5, lambda: 0.7 }],
  ["duif", { kind: "grad", eps: 0.5, lambda: 1 }],
  ["vbpr-eq2", { kind: "grad", eps: 0.5, lambda: 1 }],
];
for (const [model, adv, path] of ADV) {
  Deno.test(`${model} + ${adv.kind} adversary (${path ?? "default"}): gradient matches finite differences`, () =>
    checkModel(model, adv, path));
}

for (const path of ["closed", "materialised"] as AdversaryPath[]) {
  Deno.test(`amr + grad adversary (${path}), paper eq. 10 regulariser: gradient matches finite differences`, () =>
    checkModel("amr", { kind: "grad", eps: 0.5, lambda: 0.7 }, path, "paper"));
}

Deno.test("the regulariser forms share the BPR loss; an absent form is the official one", () => {
  // Same batch and weights: only the L2 term differs, and the official form's is larger here
  // (it also covers q_j and E c).
  const { w, features, batch } = tinyProblem("vbpr", { seed: 11 });
  const run = (regulariser: RegulariserForm) =>
    bprGradients(w, batch, { model: "vbpr", features, regs: REGS, regulariser });
  const official = run("official");
  const paper = run("paper");
  assertAllClose([official.loss], [paper.loss], { rtol: 0, msg: "clean loss" });
  if (!(official.regLoss > paper.regLoss)) {
    throw new Error(`official regLoss ${official.regLoss} <= paper ${paper.regLoss}`);
  }
  const absent = bprGradients(w, batch, { model: "vbpr", features, regs: REGS });
  assertAllClose(absent.gE!, official.gE!, { rtol: 0, atol: 0, msg: "absent = official" });
});

Deno.test("paper form: E's L2 term is batch size x beta ||E||^2 (eq. 10 summed over the batch)", () => {
  // regs = [b, b, b] is eq. 10 as written: per triple beta (|p_u|^2 + |q_i|^2 + |E|^2), so the
  // batch's E term is n_B beta ||E||^2, while the official form keeps it once per batch.
  const { w, features, batch } = tinyProblem("vbpr", { seed: 3 });
  const b = 0.03;
  const nB = batch.users.length;
  const eSq = w.E!.reduce((a, v) => a + v * v, 0);
  const run = (regulariser: RegulariserForm, regs: readonly [number, number, number]) =>
    bprGradients(w, batch, { model: "vbpr", features, regs, regulariser });
  const paper = run("paper", [b, b, b]);
  const paperNoE = run("paper", [b, b, 0]);
  assertAllClose([paper.regLoss - paperNoE.regLoss], [nB * b * eSq], {
    rtol: 1e-5,
    msg: "paper: E term of the loss",
  });
  const gE = paper.gE!.map((v, t) => v - paperNoE.gE![t]);
  assertAllClose(gE, w.E!.map((e) => 2 * nB * b * e), { rtol: 1e-4, atol: 1e-7, msg: "paper gE" });
  const official = run("official", [b, b, b]);
  const officialNoE = run("official", [b, b, 0]);
  assertAllClose([official.regLoss - officialNoE.regLoss], [b * eSq], {
    rtol: 1e-5,
    msg: "official: E term once per batch",
  });
});

for (const model of ["vbpr", "amr"] as ModelKind[]) {
  Deno.test(`${model}, eq. 10 with regs = [b, b, b]: gradient matches finite differences of the batch sum`, () => {
    const adv: AdversaryConfig | undefined = model === "amr"
      ? { kind: "grad", eps: 0.5, lambda: 1 }
      : undefined;
    checkModel(model, adv, undefined, "paper", [0.05, 0.05, 0.05]);
  });
}

Deno.test("amr without an adversary is refused", () => {
  const { w, features, batch } = tinyProblem("amr", { seed: 1 });
  let threw = false;
  try {
    bprGradients(w as Weights, batch, { model: "amr", features, regs: REGS });
  } catch {
    threw = true;
  }
  if (!threw) throw new Error("expected an error");
});
