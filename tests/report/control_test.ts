/** The lambda = 0 control (`report/control.ts`) and its `metrics.json` entries. */
import assert from "node:assert/strict";
import { buildControl, controlEpochs } from "../../report/control.ts";
import { controlNote } from "../../report/sections.ts";
import { reportMetrics, VERDICT_VALUE } from "../../report/metrics.ts";
import { reportClaims } from "../../report/sections.ts";
import { pairedTTest } from "../../models/significance.ts";
import type { Manifest } from "../../pipeline/stage/manifest.ts";
import { fakeReportInput } from "./_fixture.ts";

/** A `[users, 6]` metrics matrix (hr@5, hr@10, hr@20, ndcg@5, ndcg@10, ndcg@20) from HR@10 and
 * NDCG@10 per user (other columns copied); null = no target (NaN row). */
function matrix(rows: ([number, number] | null)[]): Float32Array {
  const out = new Float32Array(rows.length * 6).fill(NaN);
  rows.forEach((r, u) => {
    if (r === null) return;
    const [hr, ndcg] = r;
    out.set([hr, hr, hr, ndcg, ndcg, ndcg], u * 6);
  });
  return out;
}

Deno.test("control: means and paired t-tests over all, cold and warm users; no-target rows left out", () => {
  const amr = matrix([[1, 0.5], [1, 0.63], [0, 0], [1, 1], null, [1, 0.5]]);
  const continued = matrix([[0, 0], [1, 0.5], [0, 0], [1, 0.63], [1, 1], [0, 0]]);
  const vbpr = matrix([[0, 0], [0, 0], [1, 0.5], [1, 0.5], [1, 1], [0, 0]]);
  const cold = Uint8Array.from([1, 0, 1, 0, 0, 1]);
  const c = buildControl({ amr, continued, vbpr }, cold, {
    epochs: { vbpr: 60, amr: 150, continued: 150 },
  });
  assert.equal(c.alpha, 0.05);
  assert.deepEqual(c.epochs, { vbpr: 60, amr: 150, continued: 150 });
  assert.deepEqual([c.overall!.users, c.cold!.users, c.warm!.users], [5, 3, 2]);
  assert.deepEqual(c.overall!.metrics, ["hr@10", "ndcg@10"]);
  assert.deepEqual(c.overall!.amr.map((v) => +v.toFixed(6)), [0.8, +(2.63 / 5).toFixed(6)]);
  assert.equal(c.overall!.continued[0], 0.4);
  assert.equal(c.cold!.vbpr[0], 1 / 3);
  const users = [0, 1, 2, 3, 5];
  const hr = (m: Float32Array) => users.map((u) => m[u * 6 + 1]);
  assert.equal(c.overall!.pContinued[0], pairedTTest(hr(amr), hr(continued)).p);
  assert.equal(c.overall!.pVbpr[0], pairedTTest(hr(amr), hr(vbpr)).p);
  // Warm users: AMR and VBPR-continued identical on HR@10 -> p = 1.
  assert.equal(c.warm!.pContinued[0], 1);
});

Deno.test("control: no cold user leaves the cold subset out; sizes must agree", () => {
  const m = matrix([[1, 1], [0, 0]]);
  const c = buildControl({ amr: m, continued: m, vbpr: m }, Uint8Array.from([0, 0]));
  assert.equal(c.cold, undefined);
  assert.equal(c.warm!.users, 2);
  assert.throws(
    () => buildControl({ amr: m, continued: m, vbpr: matrix([[1, 1]]) }, Uint8Array.from([0, 0])),
    /vbpr has 6 values, expected 2 users x 6/,
  );
});

function manifest(node: string, epochs: number, init?: string): Manifest {
  return {
    format: 1,
    key: "0".repeat(64),
    node,
    stage: node,
    params: { epochs },
    seed: 1,
    inputs: init === undefined
      ? {}
      : { init_P: { node: init, key: "1".repeat(64), output: "P.npy", sha256: "2".repeat(64) } },
    outputs: {},
    code: { hash: "", modules: {}, packages: [] },
    runtime: {},
    startedAt: "",
    durationMs: 0,
  };
}

Deno.test("control: epochs and settings come from the runs' training summaries", () => {
  const summary = (epochs: number, lr = [0.01, 1e-4, 1e-3]) => ({
    epochs,
    hyper: { lr, regs: [0.1, 1e-3, 0] },
  });
  // The manifests' params say 2000 epochs (pre-override); the summaries say what ran.
  const manifests = {
    vbpr: manifest("vbpr", 2000),
    amr: manifest("amr", 2000, "vbpr"),
    vbpr_continued: manifest("vbpr-continued", 2000, "vbpr"),
  };
  const e = controlEpochs(
    { vbpr: summary(60), amr: summary(350), vbpr_continued: summary(350) },
    manifests,
  );
  assert.deepEqual(e, {
    vbpr: 60,
    amr: 350,
    continued: 350,
    sameOptimiser: true,
    vbprOptimiser: true,
    regulariser: { vbpr: "official", amr: "official", continued: "official" },
    start: { amr: "vbpr", continued: "vbpr" },
  });
  assert.match(controlNote({ epochs: e }), /trains the same epochs with AMR's learning rates/);
  assert.match(controlNote({ epochs: e }), /Regulariser: the authors' code .* in all three runs/);
  // The form each run recorded, named per run when they differ.
  const paper = (epochs: number) => ({
    epochs,
    hyper: { lr: [0.01, 1e-4, 1e-3], regs: [0.1, 1e-3, 0], regulariser: "paper" },
  });
  const mixed = controlEpochs(
    { vbpr: summary(60), amr: paper(350), vbpr_continued: summary(350) },
    manifests,
  )!;
  assert.equal(mixed.sameOptimiser, false);
  assert.match(
    controlNote({ epochs: mixed }),
    /Regulariser: VBPR authors' code .*, AMR paper's eq\. 10 .*, VBPR-continued authors' code/,
  );
  const differ = controlEpochs(
    { vbpr: summary(60), amr: summary(350), vbpr_continued: summary(2000, [0.1, 0.1, 0.1]) },
    { ...manifests, amr: manifest("amr", 2000, "official-vbpr") },
  )!;
  assert.equal(differ.sameOptimiser, false);
  // AMR at VBPR's settings (paper sec. 4.1.4) or at its own.
  assert.match(controlNote({ epochs: e }), /trains 350 more \(410 in all\), with VBPR's learning/);
  const own = controlEpochs(
    { vbpr: summary(60, [0.1, 0.1, 0.1]), amr: summary(350), vbpr_continued: summary(350) },
    manifests,
  )!;
  assert.equal(own.vbprOptimiser, false);
  assert.match(controlNote({ epochs: own }), /with its own learning rates and L2 weights/);
  const note = controlNote({ epochs: differ });
  assert.match(note, /starts from different weights \(AMR from official-vbpr/);
  assert.match(note, /trains 2000 epochs \(AMR: 350\) with different learning rates/);
  assert.equal(controlEpochs({}, {}), undefined);
});

Deno.test("metrics.json: the control's VBPR-continued means by subset", () => {
  const m = reportMetrics(fakeReportInput());
  assert.equal(m["control.vbpr-continued.overall.hr@10"], 0.19);
  assert.equal(m["control.vbpr-continued.cold.ndcg@10"], 0.16);
  assert.equal(m["control.vbpr-continued.warm.hr@10"], 0.185);
  assert.equal(Object.keys(m).filter((k) => k.startsWith("control.")).length, 6);
});

Deno.test("metrics.json: AMR - VBPR, AMR - control and every measured claim's verdict", () => {
  const input = fakeReportInput();
  const m = reportMetrics(input);
  const t2 = input.table2!.overall!;
  const row = (key: string) => t2.methods.findIndex((x) => x.toLowerCase() === key);
  t2.metrics.forEach((metric, c) => {
    assert.equal(
      m[`diff.amr-vbpr.${metric}`],
      t2.values[row("amr")][c] - t2.values[row("vbpr")][c],
      metric,
    );
  });
  const c = input.control!.overall!;
  assert.equal(m["diff.amr-control.overall.hr@10"], c.amr[0] - c.continued[0]);
  const claims = reportClaims(input).filter((x) => x.status !== "not measured");
  assert.ok(claims.length > 0);
  for (const claim of claims) {
    assert.equal(m[`claim.${claim.id}`], VERDICT_VALUE[claim.status as "holds"], claim.id);
  }
  assert.deepEqual(Object.values(VERDICT_VALUE).sort(), [-1, 0, 1]);
});
