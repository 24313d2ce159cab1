/** Tests of io/weights.ts: round trip, empty H. */
import assert from "node:assert/strict";
import { Rng } from "../../pipeline/stage/rng.ts";
import type { Weights } from "../../models/types.ts";
import { loadWeights, saveWeights } from "../../io/weights.ts";

const U = 7;
const I = 12;
const K = 4;
const D = 6;

function randArray(n: number, rng: Rng): Float32Array {
  return new Float32Array(n).map(() => rng.normal());
}

function model(kind: "eq4" | "eq2", rng: Rng): Weights {
  const w: Weights = {
    P: randArray(U * K, rng),
    Q: randArray(I * K, rng),
    E: randArray(K * D, rng),
    k: K,
    dim: D,
  };
  if (kind === "eq2") w.H = randArray(U * K, rng);
  return w;
}

Deno.test("weights_io: round trip; an absent H is written as [0, K] and read back as absent", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amr_w_" });
  try {
    const rng = new Rng(5);
    const w = model("eq4", rng);
    const written = await saveWeights(dir, w, { declared: ["P", "Q", "E", "H"] });
    assert.deepEqual(written, ["P", "Q", "E"]);
    const back = await loadWeights({
      P: `${dir}/P.npy`,
      Q: `${dir}/Q.npy`,
      E: `${dir}/E.npy`,
      H: `${dir}/H.npy`,
    });
    assert.deepEqual(back.P, w.P);
    assert.deepEqual(back.Q, w.Q);
    assert.deepEqual(back.E, w.E);
    assert.equal(back.H, undefined);
    assert.equal(back.k, K);
    assert.equal(back.dim, D);
    const eq2 = model("eq2", rng);
    await saveWeights(dir, eq2);
    const back2 = await loadWeights({ P: `${dir}/P.npy`, H: `${dir}/H.npy` });
    assert.deepEqual(back2.H, eq2.H);
    assert.equal(back2.Q, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
