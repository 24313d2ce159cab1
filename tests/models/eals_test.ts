import assert from "node:assert/strict";
import { assertClose } from "../assert_close.ts";
import { ealsScores, missingWeights, trainEals } from "../../models/eals.ts";
import type { EalsParams, EalsState, InteractionData } from "../../models/eals.ts";
import { Rng } from "../../pipeline/stage/rng.ts";

/** Random interactions; every user gets at least one, some items none. */
function randomData(
  nUsers: number,
  nItems: number,
  perUser: number,
  seed: number,
): InteractionData {
  const rng = new Rng(seed);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const n = 1 + rng.int(perUser);
    for (let t = 0; t < n; t++) {
      users.push(u);
      items.push(rng.int(nItems - 1)); // the last item stays without interactions (cold)
    }
  }
  return { nUsers, nItems, users: Int32Array.from(users), items: Int32Array.from(items) };
}

/** Dense 0/1 matrix R and dense weight matrix W (w on R, c_i elsewhere). */
function dense(data: InteractionData, c: Float64Array, w: number) {
  const R = Array.from({ length: data.nUsers }, () => new Float64Array(data.nItems));
  for (let k = 0; k < data.users.length; k++) R[data.users[k]][data.items[k]] = 1;
  const W = R.map((row) => row.map((r, i) => (r === 1 ? w : c[i])));
  return { R, W };
}

/** Brute-force loss: every (u, i) cell of the dense weighted least squares, plus L2. */
function denseLoss(
  m: { R: Float64Array[]; W: Float64Array[] },
  f: { P: ArrayLike<number>; Q: ArrayLike<number>; k: number },
  reg: number,
): number {
  const { R, W } = m;
  const { P, Q, k } = f;
  let loss = 0;
  for (let u = 0; u < R.length; u++) {
    for (let i = 0; i < R[u].length; i++) {
      let dot = 0;
      for (let f = 0; f < k; f++) dot += P[u * k + f] * Q[i * k + f];
      loss += W[u][i] * (R[u][i] - dot) ** 2;
    }
  }
  let norm = 0;
  for (let a = 0; a < P.length; a++) norm += P[a] * P[a];
  for (let a = 0; a < Q.length; a++) norm += Q[a] * Q[a];
  return loss + reg * norm;
}

/** Solves A x = b (A symmetric positive definite, n x n dense) by Gaussian elimination. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, r) => [...row, b[r]]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r][col]) > Math.abs(M[piv][col])) piv = r;
    [M[col], M[piv]] = [M[piv], M[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = M[r][col] / M[col][col];
      for (let c = col; c <= n; c++) M[r][c] -= factor * M[col][c];
    }
  }
  return M.map((row, r) => row[n] / M[r][r]);
}

const TINY: EalsParams = { k: 3, iterations: 1, reg: 0.1, c0: 4, alpha: 0.5, wPos: 2 };

Deno.test("missingWeights: c_i = c0 f_i^alpha / sum f^alpha over distinct users", () => {
  // item 0: users 0,1,2,3 (user 0 twice) -> f = 4; items 1 and 3: f = 1; item 2: none.
  const data: InteractionData = {
    nUsers: 4,
    nItems: 4,
    users: new Int32Array([0, 0, 1, 2, 3, 0, 1]),
    items: new Int32Array([0, 0, 0, 0, 0, 1, 3]),
  };
  // f^0.5 = [2, 1, 0, 1], sum 4, c0 = 8 -> [4, 2, 0, 2]
  assert.deepEqual(Array.from(missingWeights(data, { c0: 8, alpha: 0.5 })), [4, 2, 0, 2]);
  // alpha = 0: uniform over items with interactions
  assert.deepEqual(Array.from(missingWeights(data, { c0: 3, alpha: 0 })), [1, 1, 0, 1]);
});

Deno.test("eALS: one sweep equals brute-force exact coordinate minimisation of the dense loss", async () => {
  const data = randomData(6, 8, 3, 11);
  const k = TINY.k;
  const rng = new Rng(5);
  const P0 = Array.from({ length: data.nUsers * k }, () => 0.3 * rng.normal());
  const Q0 = Array.from({ length: data.nItems * k }, () => 0.3 * rng.normal());
  const model = await trainEals(data, TINY, { rng: new Rng(1), init: { P: P0, Q: Q0 } });

  const c = missingWeights(data, TINY);
  const { R, W } = dense(data, c, TINY.wPos!);
  const P = [...P0];
  const Q = [...Q0];
  // Each coordinate's loss is quadratic: fit it through three evaluations of the full dense
  // loss and jump to the vertex. Same order as eALS: all p_uf (u, then f), then all q_if.
  function minimise(x: number[], at: number) {
    const L = (v: number) => {
      x[at] = v;
      return denseLoss({ R, W }, { P, Q, k }, TINY.reg);
    };
    const lm = L(-1);
    const l0 = L(0);
    const lp = L(1);
    const a = (lp + lm - 2 * l0) / 2;
    const b = (lp - lm) / 2;
    x[at] = -b / (2 * a);
  }
  for (let at = 0; at < P.length; at++) minimise(P, at);
  for (let at = 0; at < Q.length; at++) minimise(Q, at);

  for (let a = 0; a < P.length; a++) {
    assertClose(model.P[a], P[a], { atol: 1e-5, rtol: 1e-5 }, `P[${a}]`);
  }
  for (let a = 0; a < Q.length; a++) {
    assertClose(model.Q[a], Q[a], { atol: 1e-5, rtol: 1e-5 }, `Q[${a}]`);
  }
  assertClose(
    model.initialLoss,
    denseLoss({ R, W }, { P: P0, Q: Q0, k }, TINY.reg),
    { atol: 1e-10, rtol: 1e-10 },
    "initial loss",
  );
  assertClose(
    model.losses[0],
    denseLoss({ R, W }, { P, Q, k }, TINY.reg),
    { atol: 1e-8, rtol: 1e-8 },
    "loss after sweep",
  );
});

Deno.test("eALS: converges to the fixed point of exact weighted ridge solves per row", async () => {
  const data = randomData(8, 10, 4, 3);
  const hp: EalsParams = { ...TINY, iterations: 400 };
  const model = await trainEals(data, hp, { rng: new Rng(2) });
  const k = hp.k;
  const c = missingWeights(data, hp);
  const { R, W } = dense(data, c, hp.wPos!);
  const losses = model.losses;
  assert.ok(losses[losses.length - 2] - losses[losses.length - 1] < 1e-10, "converged");
  // p_u = (sum_i W_ui q_i q_i^T + reg I)^-1 sum_i W_ui R_ui q_i, and likewise for q_i.
  for (let u = 0; u < data.nUsers; u++) {
    const A = Array.from(
      { length: k },
      (_, a) => Array.from({ length: k }, (_, b) => (a === b ? hp.reg : 0)),
    );
    const b = new Array(k).fill(0);
    for (let i = 0; i < data.nItems; i++) {
      for (let x = 0; x < k; x++) {
        b[x] += W[u][i] * R[u][i] * model.Q[i * k + x];
        for (let y = 0; y < k; y++) A[x][y] += W[u][i] * model.Q[i * k + x] * model.Q[i * k + y];
      }
    }
    const p = solve(A, b);
    for (let f = 0; f < k; f++) {
      assertClose(model.P[u * k + f], p[f], { atol: 1e-4, rtol: 1e-4 }, `p[${u},${f}]`);
    }
  }
  for (let i = 0; i < data.nItems; i++) {
    const A = Array.from(
      { length: k },
      (_, a) => Array.from({ length: k }, (_, b) => (a === b ? hp.reg : 0)),
    );
    const b = new Array(k).fill(0);
    for (let u = 0; u < data.nUsers; u++) {
      for (let x = 0; x < k; x++) {
        b[x] += W[u][i] * R[u][i] * model.P[u * k + x];
        for (let y = 0; y < k; y++) A[x][y] += W[u][i] * model.P[u * k + x] * model.P[u * k + y];
      }
    }
    const q = solve(A, b);
    for (let f = 0; f < k; f++) {
      assertClose(model.Q[i * k + f], q[f], { atol: 1e-4, rtol: 1e-4 }, `q[${i},${f}]`);
    }
  }
  // The item without interactions has c = 0 and only the L2 term: exactly zero.
  for (let f = 0; f < k; f++) assert.equal(model.Q[(data.nItems - 1) * k + f], 0);
});

Deno.test("eALS: full loss never increases and matches the dense loss", async () => {
  const data = randomData(40, 60, 6, 7);
  const hp: EalsParams = { k: 8, iterations: 25, reg: 0.01, c0: 16, alpha: 0.5 };
  const seen: [number, number][] = [];
  const model = await trainEals(data, hp, {
    rng: new Rng(9),
    onIteration: (iter, loss) => {
      seen.push([iter, loss]);
    },
  });
  assert.deepEqual(seen.map((s) => s[0]), Array.from({ length: 25 }, (_, t) => t + 1));
  assert.deepEqual(seen.map((s) => s[1]), model.losses);
  let prev = model.initialLoss;
  for (const loss of model.losses) {
    assert.ok(loss <= prev + 1e-9 * Math.abs(prev), `loss rose: ${prev} -> ${loss}`);
    prev = loss;
  }
  assert.ok(model.losses[24] < 0.5 * model.initialLoss, "loss went down substantially");
  const { R, W } = dense(data, missingWeights(data, hp), 1);
  assertClose(model.losses[24], denseLoss({ R, W }, model, hp.reg), {
    atol: 1e-5,
    rtol: 1e-5,
  }, "loss");
});

Deno.test("eALS: duplicate pairs count once; seeded runs repeat; scores are dot products", async () => {
  const data = randomData(10, 12, 3, 21);
  const doubled: InteractionData = {
    ...data,
    users: Int32Array.from([...data.users, ...data.users.slice(0, 5)]),
    items: Int32Array.from([...data.items, ...data.items.slice(0, 5)]),
  };
  const hp: EalsParams = { k: 4, iterations: 5, reg: 0.05, c0: 8, alpha: 0.5 };
  const a = await trainEals(data, hp, { rng: new Rng(4) });
  const b = await trainEals(doubled, hp, { rng: new Rng(4) });
  assert.deepEqual(Array.from(a.P), Array.from(b.P));
  assert.deepEqual(Array.from(a.Q), Array.from(b.Q));
  assert.equal(a.P.length, 10 * 4);
  assert.equal(a.Q.length, 12 * 4);
  const s = ealsScores(a, new Int32Array([3, 9]), new Int32Array([2, 11]));
  let dot = 0;
  for (let f = 0; f < 4; f++) dot += a.P[3 * 4 + f] * a.Q[2 * 4 + f];
  assertClose(s[0], dot, { atol: 1e-6, rtol: 1e-6 });
  assert.throws(() => ealsScores(a, new Int32Array([10]), new Int32Array([0])), /outside/);
  await assert.rejects(
    () =>
      trainEals({ ...data, items: new Int32Array(data.users.length).fill(12) }, hp, {
        rng: new Rng(1),
      }),
    /item 12 outside/,
  );
  await assert.rejects(() => trainEals(data, { ...hp, k: 0 }, { rng: new Rng(1) }), /bad k/);
});

// Its speed is a bench figure (`deno task bench`), not a pass/fail threshold on a shared machine.
Deno.test("eALS: a Pinterest-sized problem (3k x 5k, ~7k interactions, K = 64) lowers its loss", async () => {
  const data = randomData(3000, 5000, 4, 33);
  const hp: EalsParams = { k: 64, iterations: 2, reg: 0.01, c0: 512, alpha: 0.5 };
  const model = await trainEals(data, hp, { rng: new Rng(3) });
  assert.ok(model.losses[1] <= model.losses[0]);
});

Deno.test("eALS: resuming from the state after sweep 3 of 7 gives bit-identical factors", async () => {
  const data = randomData(30, 40, 5, 11);
  const hp: EalsParams = { k: 6, iterations: 7, reg: 0.01, c0: 16, alpha: 0.5 };
  const whole = await trainEals(data, hp, { rng: new Rng(5) });
  let saved: EalsState | null = null;
  await trainEals(data, hp, {
    rng: new Rng(5),
    onIteration: (iter, _loss, state) => {
      if (iter !== 3) return;
      const s = state();
      saved = { ...s, P: s.P.slice(), Q: s.Q.slice(), losses: [...s.losses] };
    },
  });
  const resumed = await trainEals(data, hp, { rng: new Rng(99), resume: saved! });
  assert.deepEqual(Array.from(resumed.P), Array.from(whole.P));
  assert.deepEqual(Array.from(resumed.Q), Array.from(whole.Q));
  assert.deepEqual(resumed.losses, whole.losses);
  assert.equal(resumed.initialLoss, whole.initialLoss);
});
