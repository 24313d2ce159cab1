/**
 * report/tuning.ts on hand-built choices: the same values (epochs aside) compare equal, a
 * different choice is looked up in the reference's grid and its loss computed, the claims row
 * holds, fails or is not measured, and the writers show the section.
 */
import assert from "node:assert/strict";
import {
  compareTuning,
  type SelectionSummary,
  tuningClaim,
  tuningClaimId,
  tuningNote,
  type TuningReference,
  tuningRows,
  tuningVerdict,
} from "../../report/tuning.ts";

const grid = [
  { point: { lr: 0.01, l2: 0 }, ndcg10: 0.30 },
  { point: { lr: 0.1, l2: 0 }, ndcg10: 0.25 },
];

function summary(lr: number, epochs: number, ndcg10: number, trained: number | null) {
  return {
    label: `tune-vbpr@lr=${lr},l2=0`,
    values: { lr: [lr, lr, lr], regs: [0, 0, 0] },
    point: { lr, l2: 0 },
    epochs,
    ndcg10,
    epochsTrained: trained,
    grid,
  } satisfies SelectionSummary;
}

function reference(selections: TuningReference["selections"]): TuningReference {
  return { profile: "paper", target: "d--paper", differences: [], selections };
}

Deno.test("compareTuning: same values with other epochs, and a different choice with its loss", () => {
  const ref = reference({
    "select-mf-bpr": { key: "k1", sha256: "h1", choice: summary(0.01, 400, 0.30, 4000) },
    "select-vbpr": { key: "k2", sha256: "h2", choice: summary(0.01, 900, 0.30, 4000) },
    "select-amr": null,
  });
  const c = compareTuning("paper-fast", "halving", [
    ["select-mf-bpr", summary(0.01, 350, 0.29, 1000)],
    ["select-vbpr", summary(0.1, 200, 0.27, 1500)],
    ["select-amr", summary(0.01, 10, 0.2, 100)],
  ], ref);
  assert.equal(c.reference?.profile, "paper");
  assert.equal("selections" in c.reference!, false);
  const [mf, vbpr, amr] = c.selections;
  assert.deepEqual([mf.same, mf.sameEpochs, mf.oursInReference, mf.regret], [true, false, 0.30, 0]);
  // Ours (lr 0.1) scored 0.25 in the reference's grid, whose best is 0.30.
  assert.equal(vbpr.same, false);
  assert.equal(vbpr.oursInReference, 0.25);
  assert.ok(Math.abs(vbpr.regret! - 0.05) < 1e-12);
  assert.deepEqual([amr.same, amr.reference, amr.regret], [null, null, null]);
  assert.equal("grid" in vbpr.ours, false);

  const claim = tuningClaim(c)!;
  assert.equal(claim.id, tuningClaimId("paper"));
  const v = tuningVerdict(c);
  assert.equal(v.status, "fails");
  assert.match(
    v.statistic,
    /^the same at 1 of 2 selections \(1 not run by paper\); select-vbpr: lr 0.1, l2 0 against lr 0.01, l2 0; validation NDCG@10 0.2500 in paper's grid against its best 0.3000 \(-0.0500\); the compared grids trained 2500 epochs against 8000 \(31%\)$/,
  );

  const t = tuningRows(c);
  assert.equal(t.header.length, 9);
  assert.deepEqual(t.rows[0], [
    "select-mf-bpr",
    "lr 0.01, regs 0, 350 epochs",
    "0.2900",
    "1000",
    "lr 0.01, regs 0, 400 epochs",
    "0.3000",
    "4000",
    "yes (other epochs)",
    "0.3000",
  ]);
  assert.equal(t.rows[2][4], "not run");
  assert.match(tuningNote(c), /target d--paper/);
});

Deno.test("tuning verdict: holds when every selection is compared and the same; partial is inconclusive", () => {
  const c = compareTuning(
    "fast",
    "halving",
    [["select-vbpr", summary(0.01, 3, 0.3, 6)]],
    reference({
      "select-vbpr": { key: "k", sha256: "h", choice: summary(0.01, 3, 0.3, 6) },
    }),
  );
  const v = tuningVerdict(c);
  assert.equal(v.status, "holds");
  // The same where compared, but a selection the reference has not run: not enough to hold.
  const partial = compareTuning("fast", "halving", [
    ["select-vbpr", summary(0.01, 3, 0.3, 6)],
    ["select-amr", summary(0.01, 3, 0.3, 6)],
  ], reference({ "select-vbpr": { key: "k", sha256: "h", choice: summary(0.01, 3, 0.3, 6) } }));
  assert.equal(tuningVerdict(partial).status, "inconclusive");
  assert.match(
    tuningVerdict(partial).statistic,
    /^the same at 1 of 1 selections \(1 not run by paper\)/,
  );
  // Same coordinates, other values inherited from an earlier selection: the same choice here.
  const inherited = { ...summary(0.01, 3, 0.3, 6), values: { lr: [9, 9, 9], regs: [0, 0, 0] } };
  const up = compareTuning(
    "fast",
    "halving",
    [["select-vbpr", inherited]],
    reference({
      "select-vbpr": { key: "k", sha256: "h", choice: summary(0.01, 3, 0.3, 6) },
    }),
  );
  assert.equal(up.selections[0].same, true);
  assert.equal(
    v.statistic,
    "the same at 1 of 1 selections; the compared grids trained 6 epochs against 6 (100%)",
  );
});

Deno.test("tuning verdict: not measured without the reference's runs or on other data", () => {
  const ours: [string, SelectionSummary][] = [["select-vbpr", summary(0.01, 3, 0.3, 6)]];
  const none = compareTuning("fast", "halving", ours, reference({ "select-vbpr": null }));
  assert.equal(tuningVerdict(none).status, "not measured");
  assert.match(tuningVerdict(none).statistic, /paper has no selection for this data and code/);

  const other = compareTuning("fast", "halving", ours, {
    ...reference({ "select-vbpr": { key: "k", sha256: "h", choice: summary(0.01, 3, 0.3, 6) } }),
    unavailable: "it runs on other data (node split has other settings or another seed)",
  });
  // Unavailable: nothing compared even where an entry was read.
  assert.equal(other.selections[0].same, null);
  assert.equal(
    tuningVerdict(other).statistic,
    "it runs on other data (node split has other settings or another seed)",
  );
  assert.match(tuningNote(other), /Not compared with paper: it runs on other data/);

  // No reference at all: our choices only, no claims row.
  const alone = compareTuning("fast", "halving", ours, null);
  assert.equal(tuningClaim(alone), null);
  assert.equal(tuningRows(alone).header.length, 4);
  assert.equal(tuningVerdict(alone).status, "not measured");
});
