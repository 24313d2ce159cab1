/**
 * `--init official-vbpr`: AMR starts from the authors' pickled weights (`best-vbpr.npy`, here
 * the fixture `tests/fixtures/pickled_weights_py3.npy`, P 5 x 4, Q 6 x 4, E^T 3 x 4) on a tiny
 * authors-split dataset of matching shape; a profile whose K differs fails clearly, and the
 * CLI flag reaches the plan.
 */
import { join } from "node:path";
import { readNpy } from "../../io/npy.ts";
import { readPickledWeights } from "../../io/pickle_npy.ts";
import { parseDatasetConfig } from "../../config/dataset.ts";
import { withExternalHashes } from "../../plan/external_data.ts";
import { loadProfile } from "../../config/profile.ts";
import { planNodes } from "../../plan/mod.ts";
import { OFFICIAL_EVAL, withOfficialInit } from "../../plan/init.ts";
import { externalFileHash } from "../../pipeline/graph/external_files.ts";
import {
  assert,
  assertIncludes,
  ROOT,
  runCli,
  storeEntries,
  storeStages,
  writeTinyAuthors,
} from "./helpers.ts";
import { runNodes } from "./run_graph.ts";

const FIXTURE = join(ROOT, "tests/fixtures/pickled_weights_py3.npy");

Deno.test("--init official-vbpr starts AMR from the authors' weights; a K mismatch fails clearly", async (t) => {
  const tmp = await Deno.makeTempDir({ prefix: "amr-init-" });
  const art = join(tmp, "artifacts");
  const raw = await writeTinyAuthors(join(tmp, "tiny"), { weights: FIXTURE });
  const cfg = await withExternalHashes(parseDatasetConfig(raw), art);
  const weights = join(tmp, "tiny", "weights", "best-vbpr.npy");
  const ref = { path: weights, sha256: await externalFileHash(weights, art) };
  const base = await loadProfile(join(ROOT, "configs"), "ci-real");

  await t.step("matching shapes: AMR reads E = (E^T)^T, P and Q as pickled", async () => {
    const profile = { ...base, k: 4 };
    const nodes = withOfficialInit(planNodes(cfg, profile), ref, {
      seed: profile.seed,
      k: 4,
      coldMode: profile.coldMode,
      tuned: false,
    });
    const amr = nodes.find((n) => n.id === "amr")!;
    assert(
      amr.inputs.init_E.node === "official-vbpr" && amr.inputs.init_P.node === "official-vbpr",
    );
    const report = await runNodes(nodes, art);
    const official = report.outcomes.find((o) => o.id === "official-vbpr")!;
    assert(
      official.status === "ran" && report.outcomes.find((o) => o.id === "amr")!.status === "ran",
    );
    const w = await readPickledWeights(FIXTURE);
    const e = await readNpy(join(art, "store", official.key!, "E.npy"));
    assert(e.shape.join() === "4,3", `E shape ${e.shape}`);
    const et = w.ET.data as Float32Array;
    for (let d = 0; d < 3; d++) {
      for (let j = 0; j < 4; j++) assert(e.data[j * 3 + d] === et[d * 4 + j]);
    }
    const p = await readNpy(join(art, "store", official.key!, "P.npy"));
    assert(
      p.shape.join() === "5,4" &&
        (p.data as Float32Array).every((x, k) => x === (w.P.data as Float32Array)[k]),
    );
    // eval-official-vbpr ranks the authors' weights' scores on our candidates, and Table 2's
    // VBPR row is that evaluation: its values are the evaluation's means, not our VBPR's.
    const evaluation = report.outcomes.find((o) => o.id === OFFICIAL_EVAL)!;
    assert(evaluation.status === "ran", `eval-official-vbpr: ${evaluation.status}`);
    const keyOf = (id: string) => report.outcomes.find((o) => o.id === id)!.key!;
    const readJson = async (id: string, file: string) =>
      JSON.parse(await Deno.readTextFile(join(art, "store", keyOf(id), file)));
    const scores = await readNpy(join(art, "store", official.key!, "scores.npy"));
    const negatives = await readNpy(join(art, "store", keyOf("negatives"), "negatives.npy"));
    assert(scores.shape.join() === `5,${1 + negatives.shape[1]}`, `scores ${scores.shape}`);
    const theirs = (await readJson(OFFICIAL_EVAL, "summary.json")).overall.values;
    const table2 = (await readJson("table2", "table2.json")).overall;
    const vbprRow = table2.values[table2.methods.indexOf("VBPR")];
    const metric = table2.metrics.indexOf("ndcg@10");
    assert(
      Math.abs(vbprRow[metric] - theirs["ndcg@10"]) < 1e-6,
      `${vbprRow[metric]} vs ${theirs["ndcg@10"]}`,
    );
    const manifest = await readJson("table2", "manifest.json");
    assert(manifest.inputs.vbpr.node === OFFICIAL_EVAL, JSON.stringify(manifest.inputs.vbpr));
  });

  await t.step(
    "K mismatch (profile k = 8): clear error, no entry for the failed stage",
    async () => {
      const before = storeEntries(art).length;
      const nodes = withOfficialInit(planNodes(cfg, base), ref, {
        seed: base.seed,
        k: 8,
        coldMode: base.coldMode,
        tuned: false,
      });
      let message = "";
      try {
        await runNodes(nodes, art, ["official-vbpr"]);
      } catch (e) {
        message = (e as Error).message;
      }
      assertIncludes(message, "best-vbpr.npy", "do not fit", "K = 4, the profile has k = 8");
      assert(storeEntries(art).length === before, "a failed stage must not add a store entry");
      assert((await storeStages(art)).filter((s) => s === "official-vbpr").length === 1);
    },
  );

  await t.step(
    "through the CLI: --init reaches the plan; unknown values are rejected",
    async () => {
      const cfgPath = join(tmp, "tiny.json");
      await Deno.writeTextFile(cfgPath, JSON.stringify(raw));
      const dag = await runCli([
        "dag",
        "--dataset",
        cfgPath,
        "--profile",
        "ci-real",
        "--init",
        "official-vbpr",
      ], art);
      assert(dag.code === 0, dag.stderr);
      assertIncludes(dag.stdout, "official-vbpr");
      const bad = await runCli([
        "dag",
        "--dataset",
        cfgPath,
        "--profile",
        "ci-real",
        "--init",
        "bogus",
      ], art);
      assert(bad.code !== 0);
      assertIncludes(bad.stderr, "--init: expected one of vbpr, official-vbpr");
    },
  );
  await Deno.remove(tmp, { recursive: true });
});
