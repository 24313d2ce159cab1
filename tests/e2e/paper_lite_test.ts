/**
 * End to end: the tuned path (`paper-lite`: the paper profile's graph with 2-3 epochs) on the
 * smoke dataset, so that a wiring regression in tuning, selections, finals, the lambda = 0
 * control, sweeps or perturb-test fails CI. Every node downstream of a selection must have
 * trained with the chosen settings, read from what the runs recorded.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** `amr config show --json` for this test's target: the rows of values and sources. */
async function configShow(
  artifacts: string,
): Promise<{ path: string; value: string; source: string; chosenFrom?: string }[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "config", "show", ...TARGET, "--json"],
    env: { AMR_ARTIFACTS: artifacts, CI: "true" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, err);
  return JSON.parse(new TextDecoder().decode(out.stdout)).values;
}

const TARGET = ["--dataset", "smoke", "--profile", "paper-lite"];

interface Summary {
  epochs: number;
  hyper: {
    lr: number[];
    regs: number[];
    eps?: number;
    lambda?: number;
    c0?: number;
    reg?: number;
    init?: string;
  };
  init: string;
}

Deno.test({
  name: "e2e: paper-lite runs the tuned path; every node after a selection used its choice",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const artifacts = await Deno.makeTempDir({ prefix: "amr_e2e_lite_" });
    try {
      // Before the run, config show names the selections behind the tuned values.
      const before = (await configShow(artifacts)).filter((r) => r.source.startsWith("tuned"));
      assert.ok(before.length > 0);
      for (const r of before) {
        assert.match(
          r.source,
          /^tuned by select-[a-z-]+ \(not run yet; value shown: fallback from .+\)$/,
          r.path,
        );
      }
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          MAIN,
          "reproduce",
          ...TARGET,
          "--jobs",
          "2",
        ],
        env: { AMR_ARTIFACTS: artifacts, CI: "true" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, text);
      const state = JSON.parse(
        await Deno.readTextFile(join(artifacts, "state", "smoke--paper-lite.json")),
      ).nodes as Record<string, string>;
      const read = async (node: string, file: string) =>
        JSON.parse(await Deno.readTextFile(join(artifacts, "store", state[node], file)));
      const manifest = (node: string) => read(node, "manifest.json");
      let checked = 0;
      for (const node of Object.keys(state)) {
        const m = await manifest(node);
        const hyper = m.inputs.hyper?.node as string | undefined;
        const override = (m.params as { override?: string[] }).override ?? [];
        if (!hyper || override.length === 0) continue;
        const chosen = (await read(hyper, "chosen.json")).values;
        const s: Summary = await read(node, "train_summary.json");
        const used: Record<string, unknown> = { ...s.hyper, epochs: s.epochs };
        for (const f of override) assert.deepEqual(used[f], chosen[f], `${node}: ${f}`);
        checked++;
      }
      // Finals (5), tune retrains and AMR grids, vbpr-continued and every sweep run.
      assert.ok(checked >= 5 + 2 + 10 + 1 + 14, `only ${checked} tuned nodes checked`);
      // The final MF-eALS trained with select-mf-eals's c0 and reg at the profile's sweeps.
      assert.equal((await manifest("mf-eals")).inputs.hyper.node, "select-mf-eals");
      const ealsChoice = await read("select-mf-eals", "chosen.json");
      const eals: Summary = await read("mf-eals", "train_summary.json");
      assert.deepEqual({ c0: eals.hyper.c0, reg: eals.hyper.reg }, ealsChoice.values);
      assert.ok(ealsChoice.grid.length > 4, "the eALS grid ran");
      // DUIF's start is a validation choice over both grids; the final run used it (the loop
      // above compared hyper.init with it) and read MF-BPR's P only when it is mf-bpr.
      const duifChoice = await read("select-duif", "chosen.json");
      assert.deepEqual(
        duifChoice.variants.map((v: { init: string }) => v.init),
        ["scratch", "mf-bpr"],
      );
      const best = Math.max(...duifChoice.variants.map((v: { ndcg10: number }) => v.ndcg10));
      assert.equal(duifChoice.best.ndcg10, best);
      assert.ok((await manifest("duif")).params.override.includes("init"));
      const duif: Summary = await read("duif", "train_summary.json");
      assert.equal(duif.hyper.init, duifChoice.values.init);
      assert.equal(
        duif.init,
        duifChoice.values.init === "mf-bpr" ? "copied P from the init inputs" : "random",
      );
      const amr: Summary = await read("amr", "train_summary.json");
      const control: Summary = await read("vbpr-continued", "train_summary.json");
      assert.equal(control.epochs, amr.epochs);
      assert.deepEqual([control.hyper.lr, control.hyper.regs], [amr.hyper.lr, amr.hyper.regs]);
      const eps = await read("sweep-eps", "sweep.json");
      const lambda = await read("sweep-lambda", "sweep.json");
      assert.deepEqual(eps.fixed, { lambda: amr.hyper.lambda });
      assert.deepEqual(lambda.fixed, { eps: amr.hyper.eps });
      // The lambda = 0 control and every sweep run draw AMR's triples (AMR's seed).
      const amrSeed = (await manifest("amr")).seed;
      for (const node of Object.keys(state)) {
        if (node === "vbpr-continued" || node.startsWith("amr@")) {
          assert.equal((await manifest(node)).seed, amrSeed, node);
        }
      }
      // Tuned sweeps train AMR's chosen epochs, so a point at the chosen (eps, lambda) is
      // Table 2's AMR exactly (same seed, start, epochs and settings).
      assert.deepEqual([eps.epochs, lambda.epochs], [amr.epochs, amr.epochs]);
      const amrTest = (await read("eval-amr", "summary.json")).overall.values;
      for (const sweep of [eps, lambda]) {
        const at = sweep.points.find((q: { value: number }) =>
          q.value === amr.hyper[sweep.parameter as "eps" | "lambda"]
        );
        if (at) assert.deepEqual([at.hr10, at.ndcg10], [amrTest["hr@10"], amrTest["ndcg@10"]]);
      }
      // Epoch 0 (the start) is never chosen; a choice that did not beat it says so.
      for (const select of ["select-vbpr", "select-amr-eps", "select-amr"]) {
        const c = await read(select, "chosen.json");
        assert.ok(c.values.epochs >= 1 && c.best.bestEpoch >= 1, select);
        assert.equal(typeof c.best.beatsStart, "boolean", select);
        assert.equal(c.startNote === undefined, c.best.beatsStart, select);
      }
      // After it, each tuned value is the one its selection's chosen.json holds.
      const after = await configShow(artifacts);
      const shown = after.filter((r) => r.source.startsWith("tuned"));
      assert.deepEqual(shown.map((r) => r.path), before.map((r) => r.path));
      const selections = new Set<string>();
      for (const r of shown) {
        const node = /^tuned: (select-[a-z-]+)$/.exec(r.source)?.[1];
        assert.ok(node, `${r.path}: ${r.source}`);
        assert.equal(r.chosenFrom, state[node], r.path);
        const field = r.path.split(".")[2];
        assert.equal(
          r.value,
          JSON.stringify((await read(node, "chosen.json")).values[field]),
          r.path,
        );
        selections.add(node);
      }
      // Every selection a final model reads, MF-eALS's included.
      const finals = new Set<string>();
      for (const node of Object.keys(state)) {
        const h = (await manifest(node)).inputs.hyper?.node as string | undefined;
        if (h && !node.includes("@") && !node.startsWith("tune-")) finals.add(h);
      }
      assert.deepEqual([...selections].sort(), [...finals].sort());
      assert.equal(
        after.find((r) => r.path === "models.amr.eps")?.value,
        JSON.stringify(amr.hyper.eps),
      );
      const md = await Deno.readTextFile(
        join(artifacts, "results", "smoke", "paper-lite", "report.md"),
      );
      assert.match(md, /trains the same epochs with AMR's learning rates and L2 weights/);
      // The header shows what AMR and the sweeps ran with, not the profile's fallbacks.
      for (
        const [k, v] of [
          ["AMR epochs", amr.epochs],
          ["AMR eps", amr.hyper.eps],
          ["AMR lambda", amr.hyper.lambda],
          ["sweep epochs", eps.epochs],
        ] as const
      ) assert.ok(md.includes(`- **${k}**: ${v}\n`), `${k}: ${v}`);
      const amrChoice = await read("select-amr", "chosen.json");
      if (amrChoice.startNote) assert.match(md, /for amr, no trained epoch beat the start/);
      // perturb.source: test (from paper): Table 3's worst-case block, labelled as not the paper's.
      assert.match(md, /### Table 3, extra block: worst case, .* \(not in the paper\)/);
      const t3 = JSON.parse(
        await Deno.readTextFile(
          join(artifacts, "results", "smoke", "paper-lite", "tables", "table3.json"),
        ),
      );
      assert.equal(t3.test.vbpr.length, t3.eps.length);
      // The report shows the c0 and reg MF-eALS ran with, and the tuning run they came from.
      const ealsRow = md.split("\n").find((l) => l.startsWith("| mf-eals | c0 = "));
      assert.ok(ealsRow, "no mf-eals row in the report's hyper-parameters table");
      assert.ok(
        ealsRow.startsWith(
          `| mf-eals | c0 = ${ealsChoice.values.c0}, reg = ${ealsChoice.values.reg}, `,
        ) && ealsRow.includes(`tune run ${ealsChoice.best.label} (c0, reg)`),
        ealsRow,
      );
      // `config show` shows the same choice, read from the select-mf-eals entry.
      for (const field of ["c0", "reg"]) {
        const row = after.find((r) => r.path === `models.mf-eals.${field}`);
        assert.deepEqual([row?.value, row?.source], [
          JSON.stringify(ealsChoice.values[field]),
          "tuned: select-mf-eals",
        ]);
      }
      // ...and DUIF's start from the last run's select-duif entry.
      const initRow = after.find((r) => r.path === "models.duif.init");
      assert.deepEqual([initRow?.value, initRow?.source], [
        JSON.stringify(duifChoice.values.init),
        "tuned: select-duif",
      ]);
      // The report states DUIF's start as the run recorded it, and that validation chose it.
      const start = duif.hyper.init === "mf-bpr"
        ? "DUIF's P started from MF-BPR's trained P \\(node mf-bpr\\), E at random"
        : "DUIF trained from scratch \\(P and E at random\\)";
      assert.match(md, new RegExp(`${start}, chosen on validation over .* \\(select-duif\\)`));
    } finally {
      await Deno.remove(artifacts, { recursive: true });
    }
  },
});
