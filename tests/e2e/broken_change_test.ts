/**
 * End to end: a deliberately broken change fails `amr check` against calibrated expectations
 * (value = mean over seeds, abs = max(4 sd, floor)). A copy of the source tree with the sign of
 * AMR's training adversary flipped (`models/bpr_step.ts`: the perturbation then lowers the BPR
 * loss instead of raising it, so AMR trains against a helper, not an adversary) reproduces a
 * target in an empty store; `check` exits 1, every metric it names depends on AMR, and every
 * metric of the other models passes.
 * - Smoke (`configs/expected/smoke-smoke.json`, always): a claim's verdict is among the metrics
 *   caught. On 300 users the flip moves Table 2's headline less than its spread over seeds; how
 *   far is logged.
 * - The default target (`configs/expected/synthetic-pinterest-default.json`; with
 *   AMR_TEST_BROKEN_DEFAULT=1, which .ci/run sets: about 3 minutes on 2 cores, too slow for
 *   `make test`): Table 2 itself catches the flip, through a difference or a verdict.
 * The unbroken tree passing the same files with the same commands is asserted by `smoke_test.ts`
 * and by .ci/run's `check` of the default target.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
/** A target the broken tree runs, and the expectations it is checked against. */
interface Case {
  name: string;
  target: string[];
  expected: string;
  /** Where its results land under the artifacts root. */
  results: string;
  /** Whether a metric of Table 2 itself (not only Table 3 or the figures) must catch it. */
  table2: boolean;
  ignore: boolean;
}

const CASES: Case[] = [
  {
    name: "smoke",
    target: ["--dataset", "smoke", "--profile", "smoke"],
    expected: join(ROOT, "configs/expected/smoke-smoke.json"),
    results: "results/smoke/smoke",
    table2: false,
    ignore: false,
  },
  {
    name: "the default target",
    target: [],
    expected: join(ROOT, "configs/expected/synthetic-pinterest-default.json"),
    results: "results/synthetic-pinterest/default",
    table2: true,
    ignore: Deno.env.get("AMR_TEST_BROKEN_DEFAULT") !== "1",
  },
];

/** The broken change: exact text in one file, how often it occurs, and its replacement. */
const BROKEN = {
  file: "models/bpr_step.ts",
  // The closed-form and the materialised perturbation of the training step, one each.
  from: "eps: adv.eps",
  to: "eps: -adv.eps",
  occurrences: 2,
};

/**
 * Metrics computed from AMR's training (AMR's rows, every RI, Table 3/Figure 5 of AMR, sweeps,
 * the AMR - VBPR and AMR - control differences, and the verdicts of the claims about AMR).
 */
const AMR_DEPENDENT = new RegExp(
  "^(table2\\.amr\\.|table2\\.[^.]+\\.ri$|table3\\.amr\\.|figure3\\.amr\\.|figure5\\.amr\\.|" +
    "figure6\\.|figure7\\.|diff\\.amr-|claim\\.(order\\.amr>|coldwarm\\.|control\\.|robust\\.|" +
    "table3\\.grows\\.amr))",
);

/**
 * Table 2's headline about AMR: its differences from VBPR and from the lambda = 0 control, and
 * the verdicts of the claims on them, each with a calibrated expectation.
 */
const TABLE2_HEADLINE = /^(diff\.amr-(vbpr|control)\.|claim\.(order\.amr>vbpr|control\.amr>))/;

/** Every expectation Table 2 itself yields about AMR: the headline and the cold/warm verdicts. */
const TABLE2 = /^(diff\.amr-(vbpr|control)\.|claim\.(order\.amr>|control\.amr>|coldwarm\.))/;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], opts: Deno.CommandOptions = {}): Promise<Run> {
  const out = await new Deno.Command(cmd, { ...opts, args, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Copies the files git knows here (tracked, and untracked unless ignored) into `dst`. */
async function copySourceTree(dst: string): Promise<number> {
  const ls = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
  });
  if (ls.code !== 0) throw new Error(`git ls-files failed in ${ROOT}: ${ls.stderr}`);
  let copied = 0;
  for (const rel of ls.stdout.split("\0").filter((p) => p.length > 0)) {
    try {
      await Deno.mkdir(join(dst, dirname(rel)), { recursive: true });
      await Deno.copyFile(join(ROOT, rel), join(dst, rel));
      copied++;
    } catch (e) {
      // A tracked file deleted in the working tree is not part of the tree under test.
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return copied;
}

/** Replaces `from` by `to` in a file; throws unless it occurs exactly `occurrences` times. */
async function applyBrokenChange(root: string, change: typeof BROKEN): Promise<void> {
  const path = join(root, change.file);
  const text = await Deno.readTextFile(path);
  const found = text.split(change.from).length - 1;
  if (found !== change.occurrences) {
    throw new Error(
      `${change.file}: expected ${change.occurrences} occurrence(s) of "${change.from}", found ` +
        `${found}; the broken change no longer applies: update BROKEN in this test`,
    );
  }
  const broken = text.replaceAll(change.from, change.to);
  await Deno.writeTextFile(path, broken);
  assert.equal(broken.split(change.to).length - 1, change.occurrences);
  assert.notEqual(await Deno.readTextFile(path), text);
}

/** Names of the metrics `check` reports as out of tolerance or missing. */
function violatedMetrics(stderr: string): string[] {
  return [...stderr.matchAll(/^(\S+): (?:got \S+, expected|missing \(expected)/gm)].map((m) =>
    m[1]
  );
}

for (const c of CASES) {
  Deno.test({
    name:
      `e2e: the adversary's sign flipped in AMR training fails check on AMR's metrics only (${c.name})`,
    ignore: c.ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const EXPECTED = c.expected;
      const TARGET = c.target;
      const expected = JSON.parse(await Deno.readTextFile(EXPECTED));
      // Calibrated tolerances, not typed-in ones: otherwise the test would measure nothing.
      assert.ok(expected.calibration?.seeds?.length >= 3, `${EXPECTED} is not calibrated`);
      const names = Object.keys(expected.metrics);
      const independent = names.filter((n) => !AMR_DEPENDENT.test(n));
      assert.ok(names.some((n) => AMR_DEPENDENT.test(n)) && independent.length > 40);
      assert.ok(names.filter((n) => TABLE2_HEADLINE.test(n)).length >= 8, "headline expected");

      const tmp = await Deno.makeTempDir({ prefix: "amr_broken_" });
      try {
        const tree = join(tmp, "tree");
        assert.ok(await copySourceTree(tree) > 100);
        await applyBrokenChange(tree, BROKEN);

        const amr = (args: string[]) =>
          run(Deno.execPath(), [
            "run",
            "--allow-all",
            "--config",
            join(tree, "deno.json"),
            join(tree, "main.ts"),
            ...args,
          ], {
            cwd: tree,
            env: { AMR_ARTIFACTS: join(tmp, "artifacts"), CI: "true", INIT_CWD: tree },
          });
        const rep = await amr(["reproduce", ...TARGET]);
        assert.equal(rep.code, 0, rep.stdout + rep.stderr);
        assert.match(rep.stdout, /\bamr\s+ran/);

        const check = await amr(["check", ...TARGET, "--expected", EXPECTED]);
        assert.equal(check.code, 1, check.stdout + check.stderr);
        const violated = violatedMetrics(check.stderr);
        assert.ok(violated.length > 0, check.stderr);
        assert.match(check.stderr, new RegExp(`${violated.length} of \\d+ metrics violate`));
        assert.deepEqual(violated.filter((n) => !AMR_DEPENDENT.test(n)), [], check.stderr);
        // Caught by a claim's verdict too (on smoke: Table 3's robustness claim at eps 0.05 turns
        // from inconclusive to fails), not only by Figure 5's rank changes.
        assert.ok(violated.some((n) => n.startsWith("claim.")), check.stderr);
        // On the default data, by Table 2 itself: a difference or a verdict of its cold/warm,
        // AMR > VBPR or AMR > control claims.
        if (c.table2) assert.ok(violated.some((n) => TABLE2.test(n)), check.stderr);
        // How far the caught metrics moved, in standard deviations over the calibration seeds.
        const got = JSON.parse(
          await Deno.readTextFile(join(tmp, "artifacts", c.results, "metrics.json")),
        );
        // How far Table 2's headline (AMR - VBPR, AMR - control, their verdicts) moved; on smoke
        // (300 users, 10 epochs) by less than its spread over the calibration seeds
        // (docs/statistics.md): logged there, not asserted.
        for (const n of [...violated, ...names.filter((n) => TABLE2_HEADLINE.test(n))]) {
          const e = expected.metrics[n];
          const xs: number[] = e.seeds;
          const sd = Math.sqrt(xs.reduce((a, x) => a + (x - e.value) ** 2, 0) / (xs.length - 1));
          console.log(
            `${violated.includes(n) ? "caught" : "passed"} ${n}: ${
              got[n]
            } vs ${e.value} ± ${e.abs} (${
              sd > 0 ? `${((got[n] - e.value) / sd).toFixed(1)} sd` : "no seed moved it"
            })`,
          );
        }
      } finally {
        await Deno.remove(tmp, { recursive: true });
      }
    },
  });
}
