/**
 * Fused runs gather each batch's feature rows once (models/bpr_step.ts): a step on the batch the
 * previous step used reads the rows already in the WASM heap instead of gathering them again, and
 * a step on another batch, with other features, or after the buffer grew gathers afresh. Seen
 * from outside by writing into the features between two steps (which nothing in the project
 * does): the reused rows are the ones gathered before the write.
 */
import { bprGradients, type StepOptions } from "../../models/bpr_step.ts";
import { heapScratch } from "../../models/matmul.ts";
import { initTf } from "../../models/tf_backend.ts";
import type { FeatureMatrix, Triples, Weights } from "../../models/types.ts";
import { assert, tinyProblem } from "./_reference.ts";

await initTf();

function same(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function gE(w: Weights, batch: Triples, features: FeatureMatrix): Float32Array {
  const opts: StepOptions = { model: "vbpr", features, regs: [0.1, 0.05, 0.02] };
  return bprGradients(w, batch, opts).gE!;
}

Deno.test("a step on the previous step's batch reuses its gathered rows; another batch gathers", () => {
  const { w, features, batch } = tinyProblem("vbpr", { seed: 3 });
  const copy = (): FeatureMatrix => ({ ...features, data: features.data.slice() });
  const original = copy();
  const clean = gE(w, batch, copy());

  const live = copy();
  assert(same(gE(w, batch, live), clean), "first step: gathered");
  live.data.fill(0.5);
  // The same features object and batch: the rows gathered before the write are reused.
  assert(same(gE(w, batch, live), clean), "second step: the rows were gathered again");
  // Another batch: gathered afresh (the write shows).
  const other: Triples = {
    users: batch.users.slice(0, 4),
    pos: batch.pos.slice(0, 4),
    neg: batch.neg.slice(0, 4),
  };
  const fresh = gE(w, other, live);
  assert(same(fresh, gE(w, other, { ...live, data: live.data.slice() })), "another batch");
  assert(!same(gE(w, batch, live), clean), "back on the first batch: gathered afresh");

  // Other features (another object) are gathered even with the same batch.
  gE(w, batch, original);
  assert(same(gE(w, batch, live), gE(w, batch, { ...live, data: live.data.slice() })));
});

Deno.test("a buffer that grows forgets what it held", () => {
  const buf = heapScratch("step-rows");
  buf.contents = { any: 1 };
  buf.reserve(buf.capacity + 1);
  assert(buf.contents === undefined, "contents kept after growing");
  buf.contents = { any: 2 };
  buf.reserve(1);
  assert(buf.contents !== undefined, "no growth, contents kept");
});
