/**
 * `--profile NAME|PATH`, `extends` and `--set`: shipped profiles are discovered, a user's file
 * extends another (objects merge, values replace) and gets its own name; `--set` values are
 * parsed, validated against the one schema with errors naming the path and the expected type,
 * and hashed for the results folder; every value says where it came from.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  configRows,
  parseSet,
  resolveProfile,
  shippedProfiles,
} from "../../config/profile_resolve.ts";
import { planNodes } from "../../plan/mod.ts";
import { TUNED } from "../../plan/tune.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const CONFIGS = join(ROOT, "configs");
const SMOKE = JSON.parse(await Deno.readTextFile(join(CONFIGS, "profiles/smoke.json")));

async function userDir(files: Record<string, unknown>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "profiles-" });
  for (const [name, v] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, name), JSON.stringify(v));
  }
  return dir;
}

const resolve = (spec: string, sets: string[], cwd = ROOT) =>
  resolveProfile(CONFIGS, spec, sets, { cwd, root: ROOT, tuned: TUNED });

Deno.test("profiles: every configs/profiles/*.json is discovered; a shipped name resolves", async () => {
  const names = await shippedProfiles(CONFIGS);
  for (const n of ["smoke", "default", "paper", "ci-real"]) assert.ok(names.includes(n), n);
  const r = await resolve("smoke", []);
  assert.equal(r.profile.name, "smoke");
  assert.equal(r.profile.models.amr.eps, SMOKE.models.amr.eps);
  assert.equal(r.overridesHash, null);
  assert.equal(r.sources["models.amr.eps"], "configs/profiles/smoke.json");
  await assert.rejects(
    () => resolve("nope", []),
    /^Error: --profile: unknown profile "nope": one of .*smoke/,
  );
  const dir = await userDir({ "mine.json": { extends: "smokey" } });
  await assert.rejects(
    () => resolve("mine.json", [], dir),
    (e: Error) =>
      e.message.startsWith(`${join(dir, "mine.json")}: "extends": unknown profile "smokey"`),
  );
});

Deno.test("profiles: a user file extends a chain; objects merge, values replace; own name", async () => {
  const dir = await userDir({
    "base.json": { extends: "smoke", name: "base", figures: { sweepEpochs: 4 } },
    "mine.json": { extends: "./base.json", models: { amr: { lambda: 0.5 } } },
  });
  const r = await resolve("mine.json", [], dir);
  assert.deepEqual(r.chain, [
    join(dir, "mine.json"),
    join(dir, "base.json"),
    join(CONFIGS, "profiles/smoke.json"),
  ]);
  assert.equal(r.profile.name, "mine"); // the file's stem: never inherited
  assert.equal(r.profile.models.amr.lambda, 0.5);
  assert.equal(r.profile.models.amr.eps, SMOKE.models.amr.eps); // merged, not replaced
  assert.equal(r.profile.figures.sweepEpochs, 4);
  assert.deepEqual(r.profile.figures.sweepEps, SMOKE.figures.sweepEps);
  assert.equal(r.sources["models.amr.lambda"], join(dir, "mine.json"));
  assert.equal(r.sources["figures.sweepEpochs"], join(dir, "base.json"));
  assert.equal(r.sources["models.amr.epochs"], "configs/profiles/smoke.json");
  assert.equal(r.sources.name, "file name");
  assert.ok(r.external);

  const loop = await userDir({
    "a.json": { extends: "./b.json" },
    "b.json": { extends: "./a.json" },
  });
  await assert.rejects(() => resolve("a.json", [], loop), /"extends" loops/);
  const clash = await userDir({ "x.json": { extends: "smoke", name: "default" } });
  await assert.rejects(
    () => resolve("x.json", [], clash),
    /named "default" like a shipped profile/,
  );
  const bad = await userDir({ "bad.json": { extends: "smoke", models: { amr: { eps: "big" } } } });
  await assert.rejects(
    () => resolve("bad.json", [], bad),
    /bad\.json: field "models\.amr\.eps": .*expected number.*extends chain/,
  );
});

Deno.test("profiles: --set parses, validates with path and expected type, and is hashed", async () => {
  assert.deepEqual(parseSet("models.amr.eps=0.2"), { path: "models.amr.eps", value: 0.2 });
  assert.deepEqual(parseSet("figures.sweepEps=[1,2]"), { path: "figures.sweepEps", value: [1, 2] });
  assert.deepEqual(parseSet("coldMode=official"), { path: "coldMode", value: "official" });
  assert.throws(() => parseSet("models.amr.eps"), /expected PATH=VALUE/);
  assert.throws(() => parseSet("name=x"), /"name" cannot be set/);

  const r = await resolve("smoke", ["models.amr.eps=0.2", "figures.sweepEpochs=10"]);
  assert.equal(r.profile.models.amr.eps, 0.2);
  assert.equal(r.profile.figures.sweepEpochs, 10);
  assert.deepEqual(r.overrides, { "models.amr.eps": 0.2, "figures.sweepEpochs": 10 });
  assert.match(r.overridesHash!, /^[0-9a-f]{8}$/);
  assert.equal(r.sources["models.amr.eps"], "--set");
  assert.equal(r.sources["models.amr.lambda"], "configs/profiles/smoke.json");
  // Same overrides in another order: same hash (same results folder); other values: another.
  const swapped = await resolve("smoke", ["figures.sweepEpochs=10", "models.amr.eps=0.2"]);
  assert.equal(swapped.overridesHash, r.overridesHash);
  assert.notEqual((await resolve("smoke", ["models.amr.eps=0.5"])).overridesHash, r.overridesHash);

  for (
    const [arg, msg] of [
      [
        "models.amr.eps=abc",
        /--set models\.amr\.eps=abc: field "models\.amr\.eps": .*expected number, received string/,
      ],
      ["figures.sweepEpochs=2.5", /field "figures\.sweepEpochs": .*expected int/],
      ["models.amr.epz=1", /unknown field "models\.amr\.epz": not a setting here/],
      ["seed.x=1", /"seed" is not an object/],
    ] as const
  ) {
    await assert.rejects(() => resolve("smoke", [arg]), msg, arg);
  }
});

Deno.test("profiles: --set reaches the keys of exactly the nodes that read the field", async () => {
  const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
  const plain = planNodes(dataset, (await resolve("smoke", [])).profile);
  const set = planNodes(dataset, (await resolve("smoke", ["models.duif.epochs=3"])).profile);
  const changed = plain.filter((n, i) => JSON.stringify(n.params) !== JSON.stringify(set[i].params))
    .map((n) => n.id);
  assert.deepEqual(changed, ["duif"]); // its dependants rerun through their inputs only
});

Deno.test("profiles: config show rows; a tuning profile marks tuned values as tuned choices", async () => {
  const rows = configRows(await resolve("smoke", ["models.amr.eps=0.2"]));
  assert.deepEqual(rows.find((r) => r.path === "models.amr.eps"), {
    path: "models.amr.eps",
    value: "0.2",
    source: "--set",
  });
  assert.ok(
    rows.every((r) => r.source !== "?"),
    JSON.stringify(rows.filter((r) => r.source === "?")),
  );
  const paper = await resolve("paper", []);
  assert.match(
    paper.sources["models.amr.eps"],
    /^tuned choice \(select-amr\/chosen\.json; .*configs\/profiles\/paper\.json\)$/,
  );
  assert.match(paper.sources["models.vbpr.lr"], /^tuned choice \(select-vbpr/);
  // What `config show` replaces with the choice once the selection has run.
  assert.deepEqual(paper.tuned["models.amr.eps"], {
    node: "select-amr",
    field: "eps",
    fallback: "configs/profiles/paper.json",
  });
  assert.equal(paper.tuned["models.amr.k"], undefined);
  assert.deepEqual((await resolve("smoke", [])).tuned, {});
  for (const f of ["c0", "reg"]) {
    assert.match(paper.sources[`models.mf-eals.${f}`], /^tuned choice \(select-mf-eals\//, f);
  }
  // MF-eALS's sweep count and alpha are not tuned.
  assert.equal(paper.sources["models.mf-eals.iterations"], "configs/profiles/paper.json");
  assert.equal(paper.sources["models.mf-eals.alpha"], "configs/profiles/paper.json");
});

Deno.test("profiles: extends a FIFO, /dev/zero or an oversized file: one prompt sentence", async () => {
  const dir = await userDir({
    "fifo-child.json": { extends: "./pipe.json" },
    "zero-child.json": { extends: "/dev/zero" },
    "big-child.json": { extends: "./big.json" },
  });
  const fifo = join(dir, "pipe.json");
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assert.equal(made.code, 0);
  const big = join(dir, "big.json");
  await Deno.writeTextFile(big, `{"description": "${"x".repeat(5 * 2 ** 20)}"}`);
  const cases: [string, string][] = [
    ["fifo-child.json", `profile ${fifo}: is a FIFO (named pipe); a profile must be a regular`],
    ["zero-child.json", `profile /dev/zero: is a character device; a profile must be a regular`],
    ["big-child.json", `profile ${big}: ${5 * 2 ** 20 + 19} bytes, over the limit; a profile`],
  ];
  for (const [child, message] of cases) {
    const started = performance.now();
    await assert.rejects(
      () => resolve(child, [], dir),
      (e: Error) => e.message.startsWith(message) && e.message.endsWith("at most 4 MiB"),
    );
    assert.ok(performance.now() - started < 2000, `${child}: refused promptly`);
  }
  // The whole profile named by --profile gets the same checks.
  await assert.rejects(() => resolve(fifo, [], dir), /is a FIFO \(named pipe\)/);
});
