/**
 * End to end: `amr reproduce --profile smoke --dataset smoke` from an empty store writes
 * Tables 1-3, Figures 3-7 (Vega-Lite, SVG, PNG), their data, the HTML and Markdown report (with
 * the lambda = 0 control beside Table 2) and `metrics.json`; `amr check` passes against the
 * calibrated `configs/expected/smoke-smoke.json` (the unbroken half of `broken_change_test.ts`)
 * and fails, naming the metric, against a copy with one value moved out of tolerance; the real
 * report renders in headless Chromium with every item (skipped without Chromium); a second run
 * finds every stage cached.
 */
import assert from "node:assert/strict";
import {
  assertProvenanceLinks,
  checkReportInBrowser,
  chromiumPresent,
} from "../report/_chromium.ts";
import { extractTarGz, writeTarGz } from "../../pipeline/bundle/archive.ts";
import { hashFile, sha256 } from "../../pipeline/stage/hash.ts";
import { listFiles } from "../../pipeline/store/list_files.ts";
import { seedsScope } from "../../report/seeds.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
const EXPECTED = new URL("../../configs/expected/smoke-smoke.json", import.meta.url).pathname;
const PROFILE = new URL("../../configs/profiles/smoke.json", import.meta.url).pathname;
const FIGURES = ["figure3", "figure4", "figure5", "figure6", "figure7"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function amr(artifacts: string, args: string[], cwd?: string): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--config", CONFIG, MAIN, ...args],
    // `deno task` sets INIT_CWD to where it was started, and the CLI resolves the paths a user
    // types against it; this child is started here, in `cwd`, by `deno run`.
    env: { AMR_ARTIFACTS: artifacts, CI: "true", INIT_CWD: cwd ?? Deno.cwd() },
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function reproduce(artifacts: string): Promise<string> {
  const r = await amr(artifacts, ["reproduce", "--profile", "smoke", "--dataset", "smoke"]);
  if (r.code !== 0) throw new Error(`reproduce failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const TARGET = ["--dataset", "smoke", "--profile", "smoke"];

/**
 * The first test's bundle of its run. The seeds test computes the same smoke run in its own
 * fresh store, so `reproduce --compare-bundle` there compares two independent computations
 * without paying for a third run.
 */
const SHARED = await Deno.makeTempDir({ prefix: "amr_e2e_bundle_" });
const BUNDLE = `${SHARED}/run.tar.gz`;

/** `reproduce --compare-bundle`'s per-output verdicts, by published path. */
function outputVerdicts(stdout: string): Map<string, string> {
  const lines = stdout.slice(stdout.indexOf("\noutputs against ")).split("\n");
  const out = new Map<string, string>();
  for (const l of lines) {
    const m = /^ {2}(byte-identical|DIFFERS|only here|only in the bundle)\s+(\S+)$/.exec(l);
    if (m) out.set(m[2], m[1]);
  }
  return out;
}

/**
 * A copy of `bundle` whose published `metrics.json` has `edits` added to its values, made
 * consistent as a careful forger would: the provenance, the report entry's copy and manifest
 * and SHA256SUMS all carry the new file's hash.
 */
async function withMetricsMoved(bundle: string, edits: Record<string, number>): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: SHARED });
  await extractTarGz(bundle, dir);
  const metricsFile = `${dir}/results/metrics.json`;
  const metrics = JSON.parse(await Deno.readTextFile(metricsFile));
  for (const [name, delta] of Object.entries(edits)) {
    assert.equal(typeof metrics[name], "number", name);
    metrics[name] += delta;
  }
  const bytes = new TextEncoder().encode(JSON.stringify(metrics, null, 2) + "\n");
  const hash = sha256(bytes);
  await Deno.writeFile(metricsFile, bytes);
  const provenanceFile = `${dir}/results/provenance.json`;
  const provenance = JSON.parse(await Deno.readTextFile(provenanceFile));
  const item = provenance.items["metrics.json"];
  item.sha256 = hash;
  await Deno.writeTextFile(provenanceFile, JSON.stringify(provenance, null, 2));
  await Deno.writeFile(`${dir}/store/${item.key}/${item.output}`, bytes);
  const manifestFile = `${dir}/store/${item.key}/manifest.json`;
  const manifest = JSON.parse(await Deno.readTextFile(manifestFile));
  manifest.outputs[item.output] = {
    ...manifest.outputs[item.output],
    sha256: hash,
    size: bytes.length,
  };
  await Deno.writeTextFile(manifestFile, JSON.stringify(manifest, null, 2));
  // A consistent forgery (reproduce --compare-bundle verifies first): no stale root.
  await Deno.remove(`${dir}/ROOT`).catch(() => {});
  await Deno.remove(`${dir}/ROOT.sig`).catch(() => {});
  const files = (await listFiles(dir)).filter((f) => f !== "SHA256SUMS");
  const sums: string[] = [];
  for (const f of files) sums.push(`${(await hashFile(`${dir}/${f}`)).sha256}  ${f}`);
  await Deno.writeTextFile(`${dir}/SHA256SUMS`, sums.join("\n") + "\n");
  const out = `${dir}.tar.gz`;
  await writeTarGz(out, [...files, "SHA256SUMS"].map((name) => ({ name, path: `${dir}/${name}` })));
  return out;
}

Deno.test({
  name: "e2e: smoke reproduce writes every table, figure and the report; check; all cached",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const artifacts = await Deno.makeTempDir({ prefix: "amr_e2e_" });
    try {
      const first = await reproduce(artifacts);
      assert.match(first, /table2\s+ran/);
      assert.match(first, /report\s+ran/);
      const results = `${artifacts}/results/smoke/smoke`;
      const tables = `${results}/tables`;
      await Deno.stat(`${tables}/table1.md`);
      await Deno.stat(`${tables}/table1.csv`);
      const csv = (await Deno.readTextFile(`${tables}/table2.csv`)).trim().split("\n");
      assert.deepEqual(
        csv.slice(1).map((l) => l.split(",")[0]),
        ["POP", "MF-eALS", "MF-BPR", "DUIF", "VBPR", "AMR"],
      );
      for (
        const f of ["table2.md", "table2.tex", "table2_cold.md", "table2_warm.md", "table2.json"]
      ) {
        await Deno.stat(`${tables}/${f}`);
      }
      // Table 3 and the robustness data say where the adversary's gradient comes from.
      assert.match(await Deno.readTextFile(`${tables}/table3.md`), /BPR loss summed over training/);
      const t3 = JSON.parse(await Deno.readTextFile(`${tables}/table3.json`));
      assert.deepEqual(t3.eps, [0.05, 0.1, 0.2]);
      assert.equal(t3.vbpr.length, 3);
      await Deno.stat(`${tables}/table3.csv`);
      for (
        const f of ["figure4.csv", "figure4.json", "figure5.json", "figure6.csv", "figure7.json"]
      ) {
        await Deno.stat(`${results}/data/${f}`);
      }
      for (const m of ["vbpr", "amr"]) {
        const npy = await Deno.readFile(`${results}/data/rank_change_${m}.npy`);
        assert.equal(new TextDecoder().decode(npy.subarray(1, 6)), "NUMPY");
      }
      for (const id of FIGURES) {
        JSON.parse(await Deno.readTextFile(`${results}/figures/${id}.vl.json`));
        assert.match(await Deno.readTextFile(`${results}/figures/${id}.svg`), /<svg/);
        const png = await Deno.readFile(`${results}/figures/${id}.png`);
        assert.deepEqual([...png.subarray(0, 4)], [137, 80, 78, 71]);
      }
      // Figure 3: AMR and continued VBPR start from the same weights (same epoch-0 point).
      const data = JSON.parse(await Deno.readTextFile(`${results}/data/figures.json`));
      const start = (model: string) =>
        data.figure3.curves.find((c: { model: string; epoch: number }) =>
          c.model === model && c.epoch === 0
        );
      assert.deepEqual({ ...start("AMR"), model: "" }, { ...start("VBPR"), model: "" });
      const md = await Deno.readTextFile(`${results}/report.md`);
      assert.match(md, /## Claims checklist/);
      // The lambda = 0 control: its evaluation, the table under Table 2, claims, metrics.
      assert.match(first, /eval-vbpr-continued\s+ran/);
      assert.match(md, /### AMR vs VBPR trained on without the adversary \(λ = 0 control\)/);
      assert.match(md, /\| VBPR-continued \(λ = 0\) \| [\d.]+ \(p = /);
      assert.match(
        md,
        /\| AMR outperforms VBPR trained on for the same epochs .* on HR@10 \| Fig\. 3 \| (holds|fails|inconclusive) \| AMR [\d.]+ vs VBPR-continued [\d.]+, difference [-+][\d.]+ .*, p .* \| paired t-test over \d+ users /,
      );
      // Every claim is tested on this run's per-user values; only the cold/warm gain can be
      // unmeasured (smoke's VBPR ranks no cold item in the top 10), and the robustness claims
      // name their bootstrap.
      for (const line of md.split("\n").filter((l) => l.includes("| not measured |"))) {
        assert.match(line, /relative gain undefined/);
      }
      assert.match(
        md,
        /\| Table 3 \| (holds|fails|inconclusive) \| .* \| paired bootstrap over \d+ users /,
      );
      const metrics = JSON.parse(await Deno.readTextFile(`${results}/metrics.json`));
      for (const subset of ["overall", "cold", "warm"]) {
        for (const metric of ["hr@10", "ndcg@10"]) {
          assert.equal(typeof metrics[`control.vbpr-continued.${subset}.${metric}`], "number");
        }
      }

      // The committed numbers reproduce bit for bit: this run is the calibration's first seed.
      const expected = JSON.parse(await Deno.readTextFile(EXPECTED));
      const profile = JSON.parse(await Deno.readTextFile(PROFILE));
      assert.equal(expected.calibration.seeds[0], profile.seed);
      for (
        const [n, e] of Object.entries(expected.metrics as Record<string, { seeds: number[] }>)
      ) {
        assert.equal(metrics[n], e.seeds[0], n);
      }
      // check: passes, then fails naming a metric edited out of tolerance.
      const ok = await amr(artifacts, ["check", ...TARGET]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /within tolerance/);
      const name = "table2.amr.ndcg@10";
      const abs: number = expected.metrics[name].abs;
      expected.metrics[name].value += 2 * abs;
      const edited = `${artifacts}/expected.json`;
      await Deno.writeTextFile(edited, JSON.stringify(expected));
      const bad = await amr(artifacts, ["check", ...TARGET, "--expected", edited]);
      assert.equal(bad.code, 1, bad.stdout + bad.stderr);
      assert.match(
        bad.stderr,
        new RegExp(
          `table2\\.amr\\.ndcg@10: got [\\d.]+, expected [\\d.]+ ± ${
            String(abs).replaceAll(".", "\\.")
          }`,
        ),
      );
      assert.match(bad.stderr, /1 of \d+ metrics violate/);

      // bundle, verified offline in an empty folder outside the checkout; diff; runs.
      const outside = await Deno.makeTempDir({ prefix: "amr_e2e_outside_" });
      try {
        const b = await amr(artifacts, ["bundle", ...TARGET, "--out", `${outside}/run.tar.gz`]);
        assert.equal(b.code, 0, b.stdout + b.stderr);
        assert.match(b.stdout, /bundled smoke--smoke: \d+ store entries/);
        await Deno.copyFile(`${outside}/run.tar.gz`, BUNDLE);
        const empty = `${outside}/empty`;
        await Deno.mkdir(empty);
        const v = await amr(
          `${empty}/no-artifacts`,
          ["verify", "--bundle", "../run.tar.gz"],
          empty,
        );
        assert.equal(v.code, 0, v.stdout + v.stderr);
        assert.match(v.stdout, /not run inside the checkout/);
        assert.match(v.stdout, /verified \d+ entries, \d+ files, .*: 0 problem\(s\)/);
        assert.deepEqual([...Deno.readDirSync(empty)], []);
        const d = await amr(artifacts, ["diff", "--format", "md"]);
        assert.equal(d.code, 0, d.stdout + d.stderr);
        // The expectations hold the mean over the calibration seeds, so values differ, within
        // tolerance; the run itself is seed 0 of the calibration, bit for bit (above).
        assert.match(d.stdout, /\d+ metrics compared, \d+ differ, 0 beyond tolerance/);
        const bd = await amr(artifacts, ["diff", `${outside}/run.tar.gz`, "smoke/smoke", "--all"]);
        assert.match(bd.stdout, /^table2\.amr\.ndcg@10 .* same$/m);
        const r = await amr(artifacts, ["runs"]);
        assert.match(r.stdout, /^smoke\/smoke .* all \d+ .*dataset=smoke profile=smoke/m);
      } finally {
        await Deno.remove(outside, { recursive: true });
      }

      // The real report in headless Chromium.
      if (chromiumPresent("e2e report in Chromium")) {
        const dom = await checkReportInBrowser(`${results}/report.html`, "report_smoke.png");
        // Every number of Tables 1-3 links to the node and store key behind it, and the
        // links resolve in the browser; the resolved configuration shows each value's source.
        assert.ok(assertProvenanceLinks(dom) > 50);
        assert.match(
          dom,
          /<td>models\.amr\.eps<\/td><td[^>]*>0\.1<\/td><td[^>]*>configs\/profiles\/smoke\.json<\/td>/,
        );
      }

      const t0 = performance.now();
      const second = await reproduce(artifacts);
      const seconds = (performance.now() - t0) / 1000;
      const lines = second.split("\n").filter((l) => /^ {2}\S/.test(l));
      assert.ok(lines.length >= 33, second);
      for (const l of lines) assert.match(l, /cached$/, l);
      assert.match(second, /\b0 ran\b/);
      console.log(
        `second (fully cached) reproduce: ${seconds.toFixed(1)} s including Deno start-up`,
      );
    } finally {
      await Deno.remove(artifacts, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "e2e: smoke --seeds 2: mean and interval tables and figures, calibrated expectations pass for seed 0",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const artifacts = await Deno.makeTempDir({ prefix: "amr_e2e_seeds_" });
    try {
      const file = `${artifacts}/expected.json`;
      const cal = await amr(artifacts, [
        "check",
        ...TARGET,
        "--calibrate",
        "--seeds",
        "2",
        "--expected",
        file,
      ]);
      assert.equal(cal.code, 0, cal.stdout + cal.stderr);
      assert.match(cal.stdout, /amr#seed=1\s+ran/);
      const results = `${artifacts}/results/smoke/smoke+seeds2`;
      const t2 = JSON.parse(await Deno.readTextFile(`${results}/tables/table2_seeds.json`));
      assert.deepEqual(t2.seeds, [7, 8]);
      const amrRow = t2.overall.methods.indexOf("AMR");
      const cell = t2.overall.cells[amrRow][t2.overall.metrics.indexOf("hr@10")];
      assert.equal(cell.values.length, 2);
      assert.ok(cell.lo <= cell.mean && cell.mean <= cell.hi);
      const seed0 = JSON.parse(await Deno.readTextFile(`${results}/tables/table2.json`));
      assert.equal(cell.values[0], seed0.overall.values[amrRow][1]);
      await Deno.stat(`${results}/seeds/1/tables/table2.json`);
      // Figures 3-7 across seeds: the combined data are the per-seed plotted data's means.
      for (const id of FIGURES) {
        JSON.parse(await Deno.readTextFile(`${results}/figures/seeds/${id}.vl.json`));
        assert.match(
          await Deno.readTextFile(`${results}/figures/seeds/${id}.svg`),
          /2 seeds \(7, 8\)/,
        );
        const png = await Deno.readFile(`${results}/figures/seeds/${id}.png`);
        assert.deepEqual([...png.subarray(0, 4)], [137, 80, 78, 71]);
      }
      const across = JSON.parse(await Deno.readTextFile(`${results}/data/figures_seeds.json`));
      const perSeed = [
        JSON.parse(await Deno.readTextFile(`${results}/data/figures.json`)),
        JSON.parse(await Deno.readTextFile(`${results}/seeds/1/data/figures.json`)),
      ];
      assert.deepEqual(across.seeds, [7, 8]);
      const last = perSeed[0].figure3.curves.length - 1;
      const point = across.figure3.curves[last];
      const values = perSeed.map((d) => d.figure3.curves[last].hr10);
      assert.deepEqual(point.hr10.values, values);
      assert.equal(point.hr10.mean, (values[0] + values[1]) / 2);
      assert.ok(point.hr10.lo <= Math.min(...values) && Math.max(...values) <= point.hr10.hi);
      assert.equal(across.figure5.rankChanges.length, 4, "a box per model and seed");
      assert.match(
        await Deno.readTextFile(`${results}/figures_seeds.md`),
        /figures\/seeds\/figure3\.png/,
      );
      assert.match(
        await Deno.readTextFile(`${results}/tables/table3_seeds.md`),
        /\[figures_seeds\.md\]\(\.\.\/figures_seeds\.md\)/,
      );
      // Every page across seeds says what the seeds varied: training only, by default.
      const scope = `_${seedsScope("training")}_`;
      for (const page of ["tables/table2_seeds.md", "tables/table3_seeds.md", "claims_seeds.md"]) {
        assert.ok((await Deno.readTextFile(`${results}/${page}`)).includes(scope), page);
      }
      const figurePage = await Deno.readTextFile(`${results}/figures_seeds.md`);
      assert.equal(figurePage.split(scope).length - 1, 1 + FIGURES.length);
      const expected = JSON.parse(await Deno.readTextFile(file));
      assert.deepEqual(expected.calibration.seeds, [7, 8]);
      assert.equal(expected.metrics["table2.amr.hr@10"].seeds.length, 2);
      // The plain run is replicate 0, all cached; its metrics pass the calibrated file.
      const plain = await reproduce(artifacts);
      assert.match(plain, /\b0 ran\b/);
      // A reviewer's rerun against the first test's bundle, whose store computed the same run
      // independently; the target options come from the bundle.
      await Deno.stat(BUNDLE).catch(() => {
        throw new Error(`${BUNDLE} missing: the first test of this file makes it`);
      });
      const published = JSON.parse(
        await Deno.readTextFile(`${artifacts}/results/smoke/smoke/provenance.json`),
      ).items as Record<string, unknown>;
      const same = await amr(artifacts, ["reproduce", "--compare-bundle", BUNDLE]);
      assert.equal(same.code, 0, same.stdout + same.stderr);
      assert.match(same.stdout, /\b0 ran\b/);
      const verdicts = outputVerdicts(same.stdout);
      assert.deepEqual([...verdicts.keys()].sort(), Object.keys(published).sort());
      // The reports state when they were made and how long each stage took; every other
      // output must be the same bytes.
      const timed = new Set(["report.html", "report.md"]);
      for (const [file, verdict] of verdicts) {
        if (!timed.has(file)) assert.equal(verdict, "byte-identical", file);
      }
      const identical = [...verdicts.values()].filter((v) => v === "byte-identical").length;
      assert.match(
        same.stdout,
        new RegExp(`^${identical} of ${verdicts.size} outputs byte-identical$`, "m"),
      );
      assert.match(same.stdout, /^\d+ metrics compared, 0 differ, 0 beyond tolerance/m);
      // A bundle whose published metrics moved, one far past its tolerance and one within it.
      const moved = await withMetricsMoved(BUNDLE, {
        "table2.amr.ndcg@10": 0.5,
        "table2.vbpr.hr@10": 1e-9,
      });
      const differs = await amr(artifacts, ["reproduce", "--compare-bundle", moved]);
      assert.equal(differs.code, 1, differs.stdout + differs.stderr);
      const after = outputVerdicts(differs.stdout);
      assert.equal(after.get("metrics.json"), "DIFFERS");
      for (const [file, verdict] of after) {
        if (file !== "metrics.json" && !timed.has(file)) {
          assert.equal(verdict, "byte-identical", file);
        }
      }
      const ours = JSON.parse(
        await Deno.readTextFile(`${artifacts}/results/smoke/smoke/metrics.json`),
      );
      const row = (name: string) =>
        new RegExp(
          `^${name.replaceAll(".", "\\.")}\\s+(\\S+)\\s+${
            ours[name].toFixed(4)
          }\\s+(\\S+)\\s+±\\S+\\s+(.+)$`,
          "m",
        ).exec(differs.stdout);
      const far = row("table2.amr.ndcg@10");
      assert.ok(far, differs.stdout);
      assert.deepEqual([far[1], far[2], far[3]], [
        (ours["table2.amr.ndcg@10"] + 0.5).toFixed(4),
        "-0.5000",
        "CHANGED",
      ]);
      assert.equal(row("table2.vbpr.hr@10")?.[3], "within tolerance", differs.stdout);
      assert.match(differs.stdout, /^\d+ metrics compared, 2 differ, 1 beyond tolerance/m);
      const ok = await amr(artifacts, ["check", ...TARGET, "--expected", file]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    } finally {
      await Deno.remove(artifacts, { recursive: true });
      await Deno.remove(SHARED, { recursive: true });
    }
  },
});
