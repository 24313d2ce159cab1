/** Pair scoring (cold modes, perturbed latents) and test-time perturbations. */
import { itemLossGradients, perturbationLatents, perturbationRows } from "../../models/perturb.ts";
import { scoreItems } from "../../models/score.ts";
import { initTf } from "../../models/tf_backend.ts";
import type { ModelKind } from "../../models/types.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { assert, Reference, tinyProblem, toFloat64 } from "./_reference.ts";
import { assertAllClose } from "../assert_close.ts";

await initTf();

const USERS = Int32Array.from([0, 1, 2, 3, 4, 0, 0, 2]);
const ITEMS = Int32Array.from([7, 2, 2, 0, 5, 6, 7, 3]);

for (const model of ["mf-bpr", "duif", "vbpr", "vbpr-eq2"] as ModelKind[]) {
  Deno.test(`${model}: scores match the reference; cold items lose q_i in zero mode only`, () => {
    const { w, features } = tinyProblem(model, { seed: 31 });
    const ref = new Reference(model, toFloat64(w), features);
    const want = Array.from(USERS, (u, t) => ref.score(u, ITEMS[t]));
    assertAllClose(scoreItems(w, features, USERS, ITEMS), want, { rtol: 1e-5, atol: 1e-6 });
    const cold = new Uint8Array(8);
    cold[7] = 1;
    assertAllClose(
      scoreItems(w, features, USERS, ITEMS, { coldItems: cold, coldMode: "official" }),
      want,
      {
        rtol: 1e-5,
        atol: 1e-6,
      },
    );
    const zeroQ = { ...toFloat64(w) };
    if (zeroQ.Q) zeroQ.Q.fill(0, 7 * w.k, 8 * w.k);
    const refZero = new Reference(model, zeroQ, features);
    const wantZero = Array.from(USERS, (u, t) => refZero.score(u, ITEMS[t]));
    assertAllClose(scoreItems(w, features, USERS, ITEMS, { coldItems: cold }), wantZero, {
      rtol: 1e-5,
      atol: 1e-6,
    });
  });
}

Deno.test("test-time perturbation: rows match the reference adversary; latents score like perturbed features", () => {
  const tiny = tinyProblem("amr", { seed: 41, dim: 10 });
  const { w, features } = tiny;
  // Drop the last triple, so item 3 is in no triple.
  const batch = {
    users: tiny.batch.users.subarray(0, 5),
    pos: tiny.batch.pos.subarray(0, 5),
    neg: tiny.batch.neg.subarray(0, 5),
  };
  assert(!batch.pos.includes(3) && !batch.neg.includes(3), "item 3 must be outside the triples");
  const g = itemLossGradients(w, features, batch);
  const items = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
  const ref = new Reference("amr", toFloat64(w), features);
  for (const kind of ["grad", "sign", "rand"] as const) {
    const eps = kind === "sign" ? 0.05 : 0.3;
    const rows = perturbationRows(w, g, items, { kind, eps, rng: new Rng(3) });
    const latent = perturbationLatents(w, g, items, { kind, eps, rng: new Rng(3) });
    if (kind !== "rand") {
      const refD = ref.deltas(batch, kind, eps);
      for (const i of items) {
        const want = refD.get(i) ?? new Float64Array(w.dim); // item 3 is in no triple: no perturbation
        assertAllClose(rows.data.subarray(i * w.dim, (i + 1) * w.dim), want, {
          rtol: 1e-4,
          atol: 1e-6,
          msg: `${kind} ${i}`,
        });
      }
    } else {
      for (const i of items) {
        const n = Math.hypot(...rows.data.subarray(i * w.dim, (i + 1) * w.dim));
        assertAllClose([n], [eps], { rtol: 1e-5 });
      }
    }
    // Scoring with E Delta offsets equals scoring with explicitly perturbed features.
    const perturbed = { ...features, data: features.data.map((v, t) => v + rows.data[t]) };
    assertAllClose(
      scoreItems(w, features, USERS, ITEMS, { visualOffset: { items, latent } }),
      scoreItems(w, perturbed, USERS, ITEMS),
      { rtol: 1e-4, atol: 1e-5, msg: kind },
    );
  }
});
