/**
 * Tests of the model stages on the smoke dataset: every stage runs in seconds and writes
 * outputs of the right shapes; VBPR starts from MF-BPR's weights; AMR with lambda = 0 gives the
 * same scores as VBPR continued from the same weights with the same seed; the tune phase
 * trains without the validation pairs and evaluates on validation.
 */
import assert from "node:assert/strict";
import { readNpy } from "../../io/npy.ts";
import { continuedStage } from "../../stages/vbpr.ts";
import { parseCurveCsv } from "../../io/curve.ts";
import { modelNodes, phaseInputs } from "../../plan/models.ts";
import { figureNodes } from "../../plan/outputs.ts";
import type { NodeSpec } from "../../pipeline/stage/node.ts";
import { TUNED } from "../../plan/tune.ts";
import { writeJson } from "../../io/json.ts";
import {
  npyBody,
  runModelNode,
  type SmokeSetup,
  smokeSetup,
  stoppedAndResumed,
} from "./model_helpers.ts";

let setup: SmokeSetup | null = null;
async function shared(): Promise<SmokeSetup> {
  setup ??= await smokeSetup();
  return setup;
}

const MODELS = ["pop", "mf-eals", "mf-bpr", "duif", "vbpr", "amr"];
const WEIGHTS: Record<string, [string, number[]][]> = {
  "pop": [["popularity.npy", [-2]]],
  "mf-eals": [["P.npy", [-1, 16]], ["Q.npy", [-2, 16]]],
  "mf-bpr": [["P.npy", [-1, 16]], ["Q.npy", [-2, 16]]],
  "duif": [["P.npy", [-1, 16]], ["E.npy", [16, 64]]],
  "vbpr": [["P.npy", [-1, 16]], ["Q.npy", [-2, 16]], ["E.npy", [16, 64]], ["H.npy", [0, 16]]],
  "amr": [["P.npy", [-1, 16]], ["Q.npy", [-2, 16]], ["E.npy", [16, 64]]],
};

Deno.test("model stages: each runs on the smoke data and writes the declared shapes", async () => {
  const s = await shared();
  const users = (await readNpy(s.outputs.split["test.npy"])).shape[0];
  const items = (await readNpy(s.outputs.features["features.npy"])).shape[0];
  for (const id of MODELS) {
    const out = await runModelNode(s, s.nodes.get(id)!);
    const scores = await readNpy(out["scores.npy"]);
    assert.deepEqual(scores.shape, [users, 1 + s.profile.negatives], id);
    assert.ok(!(scores.data as Float32Array).some(Number.isNaN), `${id}: NaN score`);
    for (const [file, shape] of WEIGHTS[id]) {
      const arr = await readNpy(out[file]);
      const want = shape.map((d) => (d === -1 ? users : d === -2 ? items : d));
      assert.deepEqual(arr.shape, want, `${id} ${file}`);
    }
    const curve = parseCurveCsv(await Deno.readTextFile(out["curve.csv"]));
    assert.equal(curve[0].epoch, 0);
    const summary = JSON.parse(await Deno.readTextFile(out["train_summary.json"]));
    assert.equal(summary.users, users);
    if (id === "mf-bpr" || id === "duif" || id === "vbpr" || id === "amr") {
      const epochs = s.profile.models[id].epochs;
      assert.equal(curve.length, epochs + 1);
      const evaluated = curve.filter((r) => r.ndcg10 !== null).map((r) => r.epoch);
      assert.deepEqual(evaluated, [0, 5, 10]); // smoke: evalEvery 5, 10 epochs
      assert.equal(summary.epochMs.length, epochs);
      assert.equal(summary.source, s.profile.models[id].source);
      assert.deepEqual(summary.hyper.lr, s.profile.models[id].lr);
      // The start and the best trained epoch, for the selections (epoch 0 is no candidate).
      assert.deepEqual(summary.start, { epoch: 0, hr10: curve[0].hr10, ndcg10: curve[0].ndcg10 });
      const trained = curve.filter((r) => r.epoch >= 1 && r.ndcg10 !== null);
      const top = Math.max(...trained.map((r) => r.ndcg10!));
      assert.equal(summary.bestTrained.ndcg10, top, id);
      assert.ok(summary.bestTrained.epoch >= 1, id);
    }
  }
});

Deno.test("vbpr: starts from MF-BPR's P and Q (zero learning rates keep them)", async () => {
  const s = await shared();
  if (!s.outputs["mf-bpr"]) await runModelNode(s, s.nodes.get("mf-bpr")!);
  const node = s.nodes.get("vbpr")!;
  const frozen = {
    ...node,
    id: "vbpr-frozen",
    params: { ...(node.params as object), lr: [0, 0, 0], epochs: 2, evalEvery: 1 },
  };
  const out = await runModelNode(s, frozen);
  for (const m of ["P.npy", "Q.npy"]) {
    assert.deepEqual(await npyBody(out[m]), await npyBody(s.outputs["mf-bpr"][m]), m);
  }
});

Deno.test("duif: init mf-bpr starts P from MF-BPR's P; scratch never reads init_P", async () => {
  const s = await shared();
  if (!s.outputs["mf-bpr"]) await runModelNode(s, s.nodes.get("mf-bpr")!);
  const profile = { ...s.profile, models: { ...s.profile.models } };
  profile.models.duif = { ...profile.models.duif, init: "mf-bpr" };
  const planned = modelNodes(s.dataset, profile).find((n) => n.id === "duif")!;
  assert.equal(planned.stage.name, "duif-from-mf");
  assert.deepEqual(planned.inputs.init_P, { node: "mf-bpr", output: "P.npy" });
  // A zero learning rate on P keeps the start; E still trains.
  const frozen = (id: string, extra: Record<string, unknown>, node = planned) => ({
    ...node,
    id,
    params: { ...(node.params as object), lr: [0, 0.05, 0.05], epochs: 2, evalEvery: 1, ...extra },
  });
  const fromMf = await runModelNode(s, frozen("duif-mf-frozen", {}));
  const mfP = await npyBody(s.outputs["mf-bpr"]["P.npy"]);
  assert.deepEqual(await npyBody(fromMf["P.npy"]), mfP);
  const summary = JSON.parse(await Deno.readTextFile(fromMf["train_summary.json"]));
  assert.equal(summary.hyper.init, "mf-bpr");
  assert.equal(summary.init, "copied P from the init inputs");

  // duif-tuned takes init from chosen.json: with "scratch" its init_P (here a file that is not
  // an array at all) is never read and P is the scratch stage's own draw; "mf-bpr" reads it.
  const tunedNodes = new Map(
    modelNodes(s.dataset, profile, { tuned: { duif: TUNED.duif } }).map((n) => [n.id, n]),
  );
  const tuned = tunedNodes.get("duif")!;
  assert.equal(tuned.stage.name, "duif-tuned");
  assert.deepEqual((tuned.params as { override: string[] }).override, [
    "epochs",
    "lr",
    "regs",
    "init",
  ]);
  const chosenFor = async (init: string) => {
    const path = `${s.root}/chosen-${init}.json`;
    const values = { epochs: 2, lr: [0, 0.05, 0.05], regs: [0, 0, 0], init };
    const grid = { label: "g", values, point: {}, bestEpoch: 2, ndcg10: 0.1, hr10: 0.2 };
    await writeJson(path, {
      model: "duif",
      metric: "validation ndcg@10",
      source: `hand-made (${init})`,
      values,
      best: grid,
      grid: [grid],
      onEdge: [],
    });
    return path;
  };
  const bogus = `${s.root}/not-an-array.npy`;
  await Deno.writeTextFile(bogus, "not an npy file");
  s.outputs["chosen-scratch"] = { "chosen.json": await chosenFor("scratch") };
  s.outputs["chosen-mf"] = { "chosen.json": await chosenFor("mf-bpr") };
  s.outputs["bogus-mf"] = { "P.npy": bogus };
  const tunedRun = (id: string, hyper: string, pFrom: string) =>
    runModelNode(s, {
      ...tuned,
      id,
      params: { ...(tuned.params as object), evalEvery: 1 },
      inputs: {
        ...tuned.inputs,
        hyper: { node: hyper, output: "chosen.json" },
        init_P: { node: pFrom, output: "P.npy" },
      },
    });
  const scratchTuned = await tunedRun("duif-tuned-scratch", "chosen-scratch", "bogus-mf");
  const scratch = await runModelNode(
    s,
    frozen("duif-scratch-frozen", { regs: [0, 0, 0] }, s.nodes.get("duif")!),
  );
  assert.equal(s.nodes.get("duif")!.stage.name, "duif");
  assert.deepEqual(await npyBody(scratchTuned["P.npy"]), await npyBody(scratch["P.npy"]));
  assert.notDeepEqual(await npyBody(scratchTuned["P.npy"]), mfP);
  const scratchSummary = JSON.parse(await Deno.readTextFile(scratchTuned["train_summary.json"]));
  assert.equal(scratchSummary.hyper.init, "scratch");
  assert.equal(scratchSummary.init, "random");
  await assert.rejects(tunedRun("duif-tuned-bogus", "chosen-mf", "bogus-mf"));
  const mfTuned = await tunedRun("duif-tuned-mf", "chosen-mf", "mf-bpr");
  assert.deepEqual(await npyBody(mfTuned["P.npy"]), mfP);
  // The plain scratch stage cannot be told to start from MF: it has no init_P to read.
  await assert.rejects(
    runModelNode(s, frozen("duif-no-input", { init: "mf-bpr" }, s.nodes.get("duif")!)),
    /params\.init is "mf-bpr" but stage has no "init_P" input/,
  );
});

Deno.test("amr: lambda = 0 gives the scores of VBPR continued with the same seed", async () => {
  const s = await shared();
  if (!s.outputs.vbpr) {
    if (!s.outputs["mf-bpr"]) await runModelNode(s, s.nodes.get("mf-bpr")!);
    await runModelNode(s, s.nodes.get("vbpr")!);
  }
  const amr = s.nodes.get("amr")!;
  const base = amr.params as Record<string, unknown>;
  const zero = await runModelNode(s, {
    ...amr,
    id: "amr-lambda0",
    params: { ...base, lambda: 0, epochs: 4, evalEvery: 2 },
  });
  const { eps: _e, lambda: _l, adversary: _a, ...rest } = base;
  const vbprParams = { ...rest, epochs: 4, evalEvery: 2 };
  const continued = await runModelNode(s, {
    id: "vbpr-continued",
    stage: continuedStage,
    params: { ...vbprParams, form: "eq4" },
    inputs: amr.inputs,
    seed: amr.seed,
  });
  assert.deepEqual(await npyBody(zero["scores.npy"]), await npyBody(continued["scores.npy"]));
  // ...and lambda = 1 does move away from it.
  const adv = await runModelNode(s, {
    ...amr,
    id: "amr-lambda1",
    params: { ...base, lambda: 1, epochs: 4, evalEvery: 2 },
  });
  assert.notDeepEqual(await npyBody(adv["scores.npy"]), await npyBody(continued["scores.npy"]));
});

Deno.test("amr and the planned lambda = 0 control (vbpr-continued) draw the same triples", async () => {
  const s = await shared();
  if (!s.outputs.vbpr) {
    if (!s.outputs["mf-bpr"]) await runModelNode(s, s.nodes.get("mf-bpr")!);
    await runModelNode(s, s.nodes.get("vbpr")!);
  }
  // Both nodes as the planner makes them (seeds included); only AMR's lambda is set to 0 and
  // both are cut to 3 epochs: the two must then train to identical weights.
  const control = figureNodes(s.dataset, s.profile).find((n) => n.id === "vbpr-continued")!;
  const amr = s.nodes.get("amr")!;
  const short = (n: NodeSpec, extra: Record<string, unknown>, id: string): NodeSpec => ({
    ...n,
    id,
    params: { ...(n.params as object), ...extra, epochs: 3, evalEvery: 3 },
  });
  const a = await runModelNode(s, short(amr, { lambda: 0 }, "amr-planned-lambda0"));
  const c = await runModelNode(s, short(control, {}, "vbpr-continued-planned"));
  for (const w of ["P.npy", "Q.npy", "E.npy"]) {
    assert.deepEqual(await npyBody(a[w]), await npyBody(c[w]), w);
  }
});

Deno.test("mf-bpr tune phase: trains without validation pairs, NaN rows for users without one", async () => {
  const s = await shared();
  const node = s.nodes.get("mf-bpr")!;
  const out = await runModelNode(s, {
    ...node,
    id: "mf-bpr-tune",
    params: { ...(node.params as object), phase: "tune", epochs: 2, evalEvery: 1 },
    inputs: phaseInputs("tune"),
  });
  const validation = (await readNpy(s.outputs.split["validation.npy"])).data as Int32Array;
  const withValidation = validation.filter((v) => v >= 0).length;
  const summary = JSON.parse(await Deno.readTextFile(out["train_summary.json"]));
  assert.equal(summary.evaluatedUsers, withValidation);
  assert.ok(summary.removedValidationPairs >= withValidation);
  const train = (await readNpy(s.outputs.split["train.npy"])).shape[0];
  assert.equal(summary.trainPairs, train - summary.removedValidationPairs);
  const scores = (await readNpy(out["scores.npy"])).data as Float32Array;
  const width = 1 + s.profile.negatives;
  for (let u = 0; u < validation.length; u++) {
    assert.equal(Number.isNaN(scores[u * width]), validation[u] < 0, `user ${u}`);
  }
});

Deno.test("model stages: a miswired tune node (test as target) fails loudly", async () => {
  const s = await shared();
  const node = s.nodes.get("mf-bpr")!;
  await assert.rejects(
    () =>
      runModelNode(s, {
        ...node,
        id: "mf-bpr-miswired",
        params: { ...(node.params as object), phase: "tune", epochs: 1 },
      }),
    /target must be validation/,
  );
});

Deno.test("amr: a run stopped after a checkpoint and resumed writes the uninterrupted run's files", async () => {
  const s = await shared();
  if (!s.outputs.vbpr) {
    if (!s.outputs["mf-bpr"]) await runModelNode(s, s.nodes.get("mf-bpr")!);
    await runModelNode(s, s.nodes.get("vbpr")!);
  }
  const node = s.nodes.get("amr")!;
  const whole = await runModelNode(s, { ...node, id: "amr-whole" });
  // Stopped right after the checkpoint of epoch 3 (between two evaluations, epochs 0 and 5).
  const { outDir, logs } = await stoppedAndResumed(s, node, 3);
  assert.ok(logs.some((m) => m.includes("resumed amr at epoch 3/")), logs.join("\n"));
  for (const f of ["scores.npy", "P.npy", "Q.npy", "E.npy"]) {
    assert.deepEqual(await npyBody(`${outDir}/${f}`), await npyBody(whole[f]), f);
  }
  assert.equal(
    await Deno.readTextFile(`${outDir}/curve.csv`),
    await Deno.readTextFile(whole["curve.csv"]),
  );
});

Deno.test({
  name: "model stages: clean up",
  fn: async () => {
    if (setup) await Deno.remove(setup.root, { recursive: true });
    setup = null;
  },
});
