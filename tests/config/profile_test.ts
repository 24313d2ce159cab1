/**
 * The profile schema is the one declaration of each config field: a bad field names its path
 * and the expected type, and the stage param schemas accept exactly the fields the profile
 * declares (the same field schemas, not copies) and get them from the planners unchanged.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { z } from "zod";
import {
  amrAdversarySchema,
  bprModelSchema,
  duifModelSchema,
  ealsModelSchema,
  figuresSchema,
  loadProfile,
  parseProfile,
  perturbSchema,
  type Profile,
  runSettingsSchema,
  tuneSchema,
} from "../../config/profile.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import {
  amrParamsSchema,
  BPR_RUN_FIELDS,
  bprParamsSchema,
  duifParamsSchema,
  vbprParamsSchema,
} from "../../stages/lib/bpr_stage.ts";
import { EALS_RUN_FIELDS, ealsParamsSchema } from "../../stages/mf-eals.ts";
import { TUNED } from "../../plan/tune.ts";
import {
  PERTURB_FIGURE_FIELDS,
  PERTURB_RUN_FIELDS,
  PERTURB_SOURCE_FIELDS,
  perturbParamsSchema,
} from "../../stages/perturb-test.ts";
import { stage as plotStage } from "../../stages/plot.ts";
import { stage as plotSeedsStage } from "../../stages/plot-seeds.ts";
import { stage as reportStage } from "../../stages/report.ts";
import { TITLE_FIGURE_FIELDS, TITLE_RUN_FIELDS } from "../../figures/registry.ts";
import { stage as negativesStage } from "../../stages/negatives.ts";
import { stage as officialStage } from "../../stages/official-vbpr.ts";
import { planNodes } from "../../plan/mod.ts";

const CONFIGS = new URL("../../configs", import.meta.url).pathname;
const PROFILES = ["smoke", "default", "paper", "ci-real"];

async function rawProfile(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(join(CONFIGS, "profiles", `${name}.json`)));
}

/** `raw` with the value at `path` replaced (`undefined` deletes it). */
function withField(raw: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(raw) as Record<string, unknown>;
  let o = copy;
  for (const key of path.slice(0, -1)) o = o[key] as Record<string, unknown>;
  if (value === undefined) delete o[path[path.length - 1]];
  else o[path[path.length - 1]] = value;
  return copy;
}

Deno.test("a bad profile field: the error names the file, the field path and the expected type", async () => {
  const raw = await rawProfile("default");
  const cases: { path: string[]; value: unknown; want: RegExp }[] = [
    { path: ["models", "amr", "eps"], value: "0.1", want: /expected number, received string/ },
    { path: ["models", "vbpr", "lr"], value: [0.1, 0.1], want: /expected array|too small|>=3/i },
    { path: ["models", "mf-bpr", "lr"], value: 0.1, want: /expected tuple|expected array/ },
    { path: ["models", "amr", "adversary"], value: "fgsm", want: /"grad"\|"rand"\|"sign"/ },
    { path: ["models", "duif", "init"], value: "mf", want: /"scratch"\|"mf-bpr"/ },
    { path: ["models", "mf-eals", "iterations"], value: 1.5, want: /expected int/ },
    { path: ["coldMode"], value: "random", want: /"zero"\|"official"/ },
    { path: ["k"], value: 0, want: /: at least 1, got 0$/ },
    { path: ["models", "amr", "epochs"], value: 1e9, want: /: at most 100000, got 1000000000$/ },
    { path: ["figures", "rankEps"], value: null, want: /expected number, received null/ },
  ];
  for (const c of cases) {
    const field = c.path.join(".");
    assert.throws(
      () => parseProfile(withField(raw, c.path, c.value), "profiles/x.json"),
      (e: Error) => {
        assert.ok(e.message.startsWith(`profiles/x.json: field "${field}": `), e.message);
        assert.match(e.message, c.want);
        return true;
      },
    );
  }
  // A missing required field and an unknown (misspelt) one.
  assert.throws(
    () => parseProfile(withField(raw, ["models", "amr", "lambda"], undefined), "p.json"),
    /p\.json: field "models\.amr\.lambda": .*expected number, received undefined/,
  );
  assert.throws(
    () => parseProfile(withField(raw, ["models", "duif", "epoch"], 3), "p.json"),
    /p\.json: unknown field "models\.duif\.epoch": not a setting here/,
  );
  // loadProfile puts the file's path in front.
  const dir = await Deno.makeTempDir({ prefix: "amr_profile_" });
  try {
    await Deno.mkdir(join(dir, "profiles"));
    await Deno.writeTextFile(
      join(dir, "profiles", "bad.json"),
      JSON.stringify(withField(raw, ["tune"], { epochs: "ten" })),
    );
    await assert.rejects(
      loadProfile(dir, "bad"),
      new RegExp(`${dir}/profiles/bad\\.json: field "tune\\.epochs": .*expected number`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function keys(schema: z.ZodObject): string[] {
  return Object.keys(schema.shape).sort();
}

/** Asserts `stage` declares each of `fields` with the very schema object of `from`. */
function sameFields(stage: z.ZodObject, from: z.ZodObject, fields: readonly string[]): void {
  for (const f of fields) {
    assert.ok(f in from.shape, `${f} is declared in the profile schema`);
    assert.equal(stage.shape[f], from.shape[f], `${f}: the stage reuses the profile's declaration`);
  }
}

Deno.test("stage param schemas are the profile's fields plus the node's own (phase, initStd, override, patience)", () => {
  const own = ["initStd", "override", "patience", "phase", "rung"];
  const bpr = [...Object.keys(bprModelSchema.shape), ...Object.keys(BPR_RUN_FIELDS)];
  assert.deepEqual(keys(bprParamsSchema), [...bpr, ...own].sort());
  sameFields(bprParamsSchema, bprModelSchema, Object.keys(bprModelSchema.shape));
  sameFields(bprParamsSchema, runSettingsSchema, Object.keys(BPR_RUN_FIELDS));
  // A grid run's patience is the profile's tune.patience, one schema for both.
  assert.equal(bprParamsSchema.shape.patience.unwrap(), tuneSchema.shape.patience.unwrap());

  const adv = Object.keys(amrAdversarySchema.shape);
  assert.deepEqual(keys(amrParamsSchema), [...bpr, ...own, ...adv].sort());
  sameFields(amrParamsSchema, amrAdversarySchema, adv);

  assert.deepEqual(keys(vbprParamsSchema), [...bpr, ...own, "form"].sort());
  assert.deepEqual(keys(duifParamsSchema), [...bpr, ...own, "init"].sort());
  sameFields(duifParamsSchema, duifModelSchema, ["init"]);
  assert.equal(vbprParamsSchema.shape.form, runSettingsSchema.shape.vbprForm);

  const eals = [...Object.keys(ealsModelSchema.shape), ...Object.keys(EALS_RUN_FIELDS)];
  assert.deepEqual(keys(ealsParamsSchema), [...eals, "initStd", "phase"].sort());
  sameFields(ealsParamsSchema, ealsModelSchema, Object.keys(ealsModelSchema.shape));
  sameFields(ealsParamsSchema, runSettingsSchema, Object.keys(EALS_RUN_FIELDS));

  sameFields(perturbParamsSchema, figuresSchema, Object.keys(PERTURB_FIGURE_FIELDS));
  sameFields(perturbParamsSchema, runSettingsSchema, Object.keys(PERTURB_RUN_FIELDS));
  sameFields(perturbParamsSchema, perturbSchema, Object.keys(PERTURB_SOURCE_FIELDS));
  // The stages that write the figures' titles and captions (figures/registry.ts).
  for (const titled of [plotStage, plotSeedsStage, reportStage]) {
    const params = titled.params as unknown as z.ZodObject;
    sameFields(params, figuresSchema, Object.keys(TITLE_FIGURE_FIELDS));
    sameFields(params, runSettingsSchema, Object.keys(TITLE_RUN_FIELDS));
  }
  const negatives = negativesStage.params as unknown as z.ZodObject;
  assert.equal(negatives.shape.count, runSettingsSchema.shape.negatives);
  sameFields(officialStage.params as unknown as z.ZodObject, runSettingsSchema, ["k"]);
});

Deno.test("stage schemas reject what the profile rejects, and accept every shipped profile's values", async () => {
  const smoke = await loadProfile(CONFIGS, "smoke");
  const node = {
    ...smoke.models.amr,
    k: smoke.k,
    batchSize: smoke.batchSize,
    evalEvery: smoke.evalEvery,
    coldMode: smoke.coldMode,
  };
  assert.ok(amrParamsSchema.safeParse(node).success);
  const bad: Record<string, unknown> = {
    eps: -1,
    lambda: "1",
    adversary: "fgsm",
    lr: [0.1, 0.1],
    regs: [-1, 0, 0],
    epochs: 0,
    k: 2.5,
    coldMode: "random",
  };
  for (const [field, value] of Object.entries(bad)) {
    const stage = amrParamsSchema.safeParse({ ...node, [field]: value });
    assert.equal(stage.success, false, `stage accepts ${field} = ${JSON.stringify(value)}`);
    const path = field in runSettingsSchema.shape ? [field] : ["models", "amr", field];
    assert.throws(() => parseProfile(withField(smoke, path, value), "p"), `profile ${field}`);
  }
});

Deno.test("planners pass every declared model field to its stage unchanged (all shipped profiles)", async () => {
  const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
  for (const name of PROFILES) {
    const profile: Profile = await loadProfile(CONFIGS, name);
    const nodes = new Map(planNodes(dataset, profile).map((n) => [n.id, n]));
    for (const model of ["mf-eals", "mf-bpr", "duif", "vbpr", "amr"] as const) {
      const node = nodes.get(model)!;
      const params = node.stage.params.parse(node.params) as Record<string, unknown>;
      const cfg = profile.models[model] as Record<string, unknown>;
      // With tuning, the final node takes these from chosen.json at run time.
      const fromChosen: readonly string[] = profile.tune ? TUNED[model].override : [];
      for (const [field, value] of Object.entries(cfg)) {
        if (fromChosen.includes(field)) continue;
        assert.deepEqual(params[field], value, `${name}: ${model}.${field}`);
      }
      const runFields = model === "mf-eals" ? EALS_RUN_FIELDS : BPR_RUN_FIELDS;
      for (const field of Object.keys(runFields) as (keyof Profile)[]) {
        assert.deepEqual(params[field], profile[field], `${name}: ${model} ${field}`);
      }
    }
  }
});

Deno.test("regulariser: absent from every default node's params; set on one model, only that node's params change", async () => {
  const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
  const base = await loadProfile(CONFIGS, "default");
  const before = planNodes(dataset, base);
  for (const n of before) {
    assert.ok(!("regulariser" in (n.params as object)), `${n.id} has a regulariser param`);
  }
  const paper = parseProfile(withField(base, ["models", "vbpr", "regulariser"], "paper"), "p");
  const after = new Map(planNodes(dataset, paper).map((n) => [n.id, n]));
  const changed = before.filter((n) =>
    JSON.stringify(n.params) !== JSON.stringify(after.get(n.id)?.params)
  ).map((n) => n.id);
  assert.deepEqual(changed, ["vbpr"]);
  const node = after.get("vbpr")!;
  const params = node.stage.params.parse(node.params) as Record<string, unknown>;
  assert.equal(params.regulariser, "paper");
  assert.throws(
    () => parseProfile(withField(base, ["models", "amr", "regulariser"], "l1"), "p"),
    /models\.amr\.regulariser/,
  );
});

Deno.test("duif init: scratch by default (params as before); mf-bpr re-wires only the duif node", async () => {
  const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
  const base = await loadProfile(CONFIGS, "default");
  assert.equal(base.models.duif.init, "scratch");
  const before = planNodes(dataset, base);
  const duif = before.find((n) => n.id === "duif")!;
  assert.equal(duif.stage.name, "duif");
  assert.ok(!("init" in (duif.params as object)), "a scratch duif node has no init param");
  assert.ok(!("init_P" in duif.inputs));
  const mf = parseProfile(withField(base, ["models", "duif", "init"], "mf-bpr"), "p");
  const after = new Map(planNodes(dataset, mf).map((n) => [n.id, n]));
  const shape = (n: { stage: { name: string }; params?: unknown; inputs: unknown }) =>
    JSON.stringify([n.stage.name, n.params, n.inputs]);
  const changed = before.filter((n) => shape(n) !== shape(after.get(n.id)!)).map((n) => n.id);
  assert.deepEqual(changed, ["duif"]);
  const node = after.get("duif")!;
  assert.equal(node.stage.name, "duif-from-mf");
  assert.equal((node.params as { init: string }).init, "mf-bpr");
  assert.deepEqual(node.inputs.init_P, { node: "mf-bpr", output: "P.npy" });
});
