/** The report's "Hyper-parameters used" table: read from the final models' summaries. */
import assert from "node:assert/strict";
import { hyperUsedOf, noGainNote, optimiserNote, ranSettings } from "../../report/hyper_used.ts";
import { NO_GAIN } from "../../stages/lib/chosen.ts";
import { buildReportHtml } from "../../report/html.ts";
import { buildReportMarkdown } from "../../report/markdown.ts";
import { fakeReportInput } from "./_fixture.ts";

/** A final MF-eALS summary as stages/mf-eals.ts writes it after a tuned choice. */
const EALS = {
  model: "mf-eals",
  phase: "final",
  epochs: 100,
  hyper: { k: 64, reg: 0.0001, c0: 256, alpha: 0.5, wPos: 1, initStd: 0.01 },
  source: "tune run tune-mf-eals@c0=256,reg=0.0001 (c0, reg)",
};

/** A final AMR summary as stages/lib/bpr_stage.ts writes it. */
const AMR = {
  model: "amr",
  phase: "final",
  epochs: 350,
  hyper: {
    k: 64,
    batchSize: 512,
    lr: [0.01, 0.0001, 0.001],
    regs: [0.1, 0.001, 0],
    regulariser: "official",
    initStd: 0.01,
    eps: 0.1,
    lambda: 1,
    adversary: "grad",
  },
  source: "tune run tune-amr@lambda=1 (epochs, lr, regs, eps, lambda)",
};

Deno.test("hyperUsedOf: the settings and source a summary records", () => {
  assert.deepEqual(hyperUsedOf("mf-eals", EALS, "mf-eals/train_summary.json"), {
    model: "mf-eals",
    settings: "c0 = 256, reg = 0.0001, alpha = 0.5, 100 sweeps",
    source: EALS.source,
  });
  assert.deepEqual(hyperUsedOf("amr", AMR, "b").lr, AMR.hyper.lr);
  assert.deepEqual(
    hyperUsedOf("amr", AMR, "amr/train_summary.json").settings,
    "lr = [0.01, 0.0001, 0.001], regs = [0.1, 0.001, 0], eps = 0.1, lambda = 1, 350 epochs",
  );
  // DUIF's start is shown as its run recorded it.
  const duif = {
    ...AMR,
    model: "duif",
    epochs: 60,
    hyper: { k: 64, lr: [0.1, 0.1, 0.1], regs: [0, 0, 0], init: "mf-bpr" },
  };
  assert.equal(
    hyperUsedOf("duif", duif, "duif/train_summary.json").settings,
    "lr = [0.1, 0.1, 0.1], regs = [0, 0, 0], init = mf-bpr, 60 epochs",
  );
  assert.throws(
    () => hyperUsedOf("mf-eals", { ...EALS, epochs: "100" }, "x/train_summary.json"),
    /x\/train_summary\.json: field "epochs": /,
  );
});

Deno.test("report: the hyper-parameters table under Table 2 when given, nothing otherwise", async () => {
  const rows = [hyperUsedOf("mf-eals", EALS, "a"), hyperUsedOf("amr", AMR, "b")];
  const input = { ...fakeReportInput(), hyperUsed: rows };
  const md = buildReportMarkdown(input);
  assert.match(md, /### Hyper-parameters used/);
  assert.ok(
    md.includes(
      "| mf-eals | c0 = 256, reg = 0.0001, alpha = 0.5, 100 sweeps | " +
        "tune run tune-mf-eals@c0=256,reg=0.0001 (c0, reg) |",
    ),
    md,
  );
  // Under Table 2, before Table 3.
  assert.ok(md.indexOf("Hyper-parameters used") > md.indexOf("## Table 2"));
  assert.ok(md.indexOf("Hyper-parameters used") < md.indexOf("## Table 3"));
  const html = await buildReportHtml(input);
  assert.match(html, /<div id="table2-hyper"><h3>Hyper-parameters used<\/h3>/);
  assert.match(html, /<td>c0 = 256, reg = 0\.0001, alpha = 0\.5, 100 sweeps<\/td>/);
  const plain = fakeReportInput();
  assert.doesNotMatch(buildReportMarkdown(plain), /Hyper-parameters used/);
  assert.doesNotMatch(await buildReportHtml(plain), /table2-hyper/);
});

Deno.test("noGainNote: names the final models whose selection found no trained epoch beating the start", () => {
  const marker = NO_GAIN;
  const rows = [
    hyperUsedOf("mf-eals", EALS, "a"),
    hyperUsedOf("amr", {
      ...AMR,
      source: `tune run tune-amr@lambda=1 (${marker}) (epochs, lr, regs, eps, lambda)`,
    }, "b"),
  ];
  const note = noGainNote(rows, marker);
  assert.match(note, /^Tuning: for amr, no trained epoch beat the start on validation/);
  assert.match(note, /epoch 0, the weights the run started from, is not a candidate/);
  assert.equal(noGainNote([rows[0]], marker), "");
});

Deno.test("ranSettings: the header's AMR and sweep settings come from what ran", () => {
  const ran = ranSettings({ json: AMR, where: "amr/train_summary.json" }, [
    { json: { parameter: "eps", epochs: 350, fixed: { lambda: 1 } }, where: "a" },
    { json: { parameter: "lambda", epochs: 350, fixed: { eps: 0.1 } }, where: "b" },
  ]);
  assert.deepEqual(ran, {
    "AMR epochs": 350,
    "AMR eps": 0.1,
    "AMR lambda": 1,
    "sweep epochs": 350,
  });
  assert.throws(
    () => ranSettings({ json: { ...AMR, hyper: {} }, where: "amr/train_summary.json" }, []),
    /amr\/train_summary\.json: field "hyper\.eps": /,
  );
});

Deno.test("report: says whether AMR ran with VBPR's lr and regs (paper sec. 4.1.4), from the summaries", async () => {
  const vbpr = (lr: number[], regs: number[]) =>
    hyperUsedOf("vbpr", { ...AMR, model: "vbpr", hyper: { k: 64, lr, regs } }, "v");
  const amr = hyperUsedOf("amr", AMR, "a");
  const inherited = optimiserNote([vbpr(AMR.hyper.lr, AMR.hyper.regs), amr]);
  assert.match(inherited!, /AMR trained with VBPR's learning rates and L2 weights, as the paper/);
  const differs = optimiserNote([vbpr([0.1, 0.1, 0.1], [0.0001, 0.0001, 0.0001]), amr])!;
  assert.match(differs, /AMR's learning rates \[0\.01, 0\.0001, 0\.001\] and L2 weights/);
  assert.match(
    differs,
    /differ from VBPR's \(\[0\.1, 0\.1, 0\.1\], \[0\.0001, 0\.0001, 0\.0001\]\)/,
  );
  assert.match(differs, /mixes the adversary with this optimiser change/);
  assert.equal(optimiserNote([amr]), null);
  const input = {
    ...fakeReportInput(),
    hyperUsed: [vbpr([0.1, 0.1, 0.1], [0.0001, 0.0001, 0.0001]), amr],
  };
  assert.ok(buildReportMarkdown(input).includes(differs));
  assert.ok((await buildReportHtml(input)).includes(differs.replaceAll("'", "&#39;")));
});
