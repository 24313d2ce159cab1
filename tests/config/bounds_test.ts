/**
 * Every numeric setting of a profile and a dataset config has a lower and an upper bound
 * (config/bounds.ts): `--set` past one is refused with the bound and the value, the shipped
 * profiles and dataset configs stay inside, a widened tuning grid stops at the bound, and
 * docs/profiles.md lists exactly the schema's bounds.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { z } from "zod";
import { resolveProfile, shippedProfiles } from "../../config/profile_resolve.ts";
import { profileSchema } from "../../config/profile.ts";
import {
  datasetConfigSchema,
  loadDatasetConfig,
  parseDatasetConfig,
} from "../../config/dataset.ts";
import { MAX_ADVERSARY } from "../../config/bounds.ts";
import { TUNED, widenedGrid } from "../../plan/tune.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const CONFIGS = join(ROOT, "configs");

const resolve = (spec: string, sets: string[]) =>
  resolveProfile(CONFIGS, spec, sets, { cwd: ROOT, root: ROOT, tuned: TUNED });

Deno.test("bounds: --set past a bound names the field, the bound and the value", async () => {
  const cases: [string, string, string][] = [
    [
      "smoke",
      "models.vbpr.epochs=1e9",
      `field "models.vbpr.epochs": at most 100000, got 1000000000`,
    ],
    ["smoke", "epochs=1e9", `unknown field "epochs"`],
    ["smoke", "k=1e9", `field "k": at most 1024, got 1000000000`],
    ["smoke", "k=0", `field "k": at least 1, got 0`],
    ["smoke", "negatives=1000000", `field "negatives": at most 100000, got 1000000`],
    ["smoke", "batchSize=1e7", `field "batchSize": at most 1048576, got 10000000`],
    ["smoke", "seed=-1", `field "seed": at least 0, got -1`],
    ["smoke", "evalEvery=1e6", `field "evalEvery": at most 100000, got 1000000`],
    ["smoke", "models.amr.eps=1e7", `field "models.amr.eps": at most 1000000, got 10000000`],
    ["smoke", "models.amr.lr=[0.1,1e4,0]", `field "models.amr.lr.1": at most 1000, got 10000`],
    ["smoke", "models.mf-eals.c0=0", `field "models.mf-eals.c0": more than 0, got 0`],
    ["smoke", "models.mf-eals.iterations=1e9", `field "models.mf-eals.iterations": at most 100000`],
    ["smoke", "figures.sweepEpochs=1e9", `field "figures.sweepEpochs": at most 100000`],
    ["paper-lite", "tune.epochs=1e9", `field "tune.epochs": at most 100000, got 1000000000`],
    ["paper-lite", "tune.lr=[0.1,1e9]", `field "tune.lr.1": at most 1000, got 1000000000`],
  ];
  for (const [profile, set, message] of cases) {
    await assert.rejects(
      () => resolve(profile, [set]),
      (e: Error) =>
        e.message === `--set ${set}: ${message}` ||
        e.message.startsWith(`--set ${set}: ${message}`),
      `${profile} --set ${set}`,
    );
  }
  // Inside the bounds, the same fields are accepted.
  const r = await resolve("smoke", ["models.vbpr.epochs=100000", "k=128", "negatives=999"]);
  assert.equal(r.profile.models.vbpr.epochs, 100000);
});

Deno.test("bounds: every shipped profile and dataset config validates", async () => {
  const profiles = await shippedProfiles(CONFIGS);
  for (const p of ["paper", "default", "smoke", "paper-lite", "paper-quick", "ci-real"]) {
    assert.ok(profiles.includes(p), p);
  }
  for (const p of profiles) assert.equal((await resolve(p, [])).profile.name, p);
  for (const e of Deno.readDirSync(join(CONFIGS, "datasets"))) {
    const name = e.name.replace(/\.json$/, "");
    assert.equal((await loadDatasetConfig(name, join(CONFIGS, "datasets"))).name, name);
  }
});

Deno.test("bounds: a dataset config past a bound names the field, the bound and the value", async () => {
  const smoke = JSON.parse(await Deno.readTextFile(join(CONFIGS, "datasets/smoke.json")));
  const cases: [Record<string, unknown>, string][] = [
    [{ users: 1e9 }, `field "users": at most 100000000, got 1000000000`],
    [{ dim: 0 }, `field "dim": at least 1, got 0`],
    [{ featureBias: -1e3 }, `field "featureBias": at least -100, got -1000`],
    [{ interactions: 1e12 }, `field "interactions": at most 1000000000, got 1000000000000`],
  ];
  for (const [over, message] of cases) {
    assert.throws(
      () => parseDatasetConfig({ ...smoke, ...over }, "x.json"),
      (e: Error) => e.message === `x.json: invalid dataset config: ${message}`,
      message,
    );
  }
});

Deno.test("bounds: a widened grid stops at the coordinate's bound", () => {
  const eps = (max?: number) =>
    widenedGrid({ eps: [1e4, 1e5] }, 3, max === undefined ? {} : { eps: max })
      .map((p) => p.point.eps);
  assert.deepEqual(eps(), [1e4, 1e5, 1e3, 1e2, 10, 1e6, 1e7, 1e8]);
  assert.deepEqual(eps(MAX_ADVERSARY), [1e4, 1e5, 1e3, 1e2, 10, 1e6]);
});

// deno-lint-ignore no-explicit-any
type Def = any;

/** Dotted path (tuple and list members under their field) -> [lower, upper] as docs write them. */
function bounds(schema: z.ZodType, at = "", out = new Map<string, string>()): Map<string, string> {
  const s = schema as Def;
  const def = s._zod.def;
  const t: string = def.type;
  if (t === "object") {
    for (const [k, v] of Object.entries(s.shape)) {
      bounds(v as z.ZodType, at ? `${at}.${k}` : k, out);
    }
  } else if (t === "tuple") def.items.forEach((v: z.ZodType) => bounds(v, at, out));
  else if (t === "array") bounds(def.element, at, out);
  else if (["optional", "default", "nullable"].includes(t)) bounds(def.innerType, at, out);
  else if (t === "union") def.options.forEach((v: z.ZodType) => bounds(v, at, out));
  else if (t === "number") {
    const checks = (def.checks ?? []).map((c: Def) => c._zod.def);
    const lo = checks.find((c: Def) => c.check === "greater_than");
    const hi = checks.find((c: Def) => c.check === "less_than");
    assert.ok(lo && hi && hi.inclusive, `${at}: a lower and an inclusive upper bound`);
    const low = lo.inclusive ? num(lo.value) : `> ${num(lo.value)}`;
    const row = `${low} | ${num(hi.value)}`;
    const key = at.replace(/^models\.(mf-bpr|duif|vbpr|amr)\./, "models.<model>.");
    assert.ok(!out.has(key) || out.get(key) === row, `${key}: one bound for every model`);
    out.set(key, row);
  }
  return out;
}

/** A bound as docs/profiles.md writes it: powers of ten from 10^6 as `1e6`. */
function num(v: number): string {
  const e = Math.log10(v);
  return v >= 1e6 && Number.isInteger(e) ? `1e${e}` : String(v);
}

/** The rows `| \`path\`, \`path\` | lower | upper |` of the table under `heading`. */
function documented(md: string, heading: string): Map<string, string> {
  const start = md.indexOf(heading);
  assert.ok(start >= 0, `docs/profiles.md has "${heading}"`);
  const out = new Map<string, string>();
  for (const line of md.slice(start).split("\n").slice(1)) {
    if (line.startsWith("#")) break;
    const m = /^\| (`[^|]+`) +\| ([^|]+?) +\| ([^|]+?) +\|/.exec(line);
    if (!m) continue;
    for (const p of m[1].split(",")) out.set(p.trim().replace(/`/g, ""), `${m[2]} | ${m[3]}`);
  }
  return out;
}

Deno.test("bounds: docs/profiles.md lists every numeric field with the schema's bounds", async () => {
  const md = await Deno.readTextFile(join(ROOT, "docs/profiles.md"));
  assert.deepEqual(
    Object.fromEntries(documented(md, "### Bounds of a profile")),
    Object.fromEntries(bounds(profileSchema)),
  );
  assert.deepEqual(
    Object.fromEntries(documented(md, "### Bounds of a dataset config")),
    Object.fromEntries(bounds(datasetConfigSchema)),
  );
});
