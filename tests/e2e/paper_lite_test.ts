/**
 * End to end: the tuned path (`paper-lite`: the paper profile's graph with 2-3 epochs) on the
 * smoke dataset, so that a wiring regression in tuning, selections, finals, the lambda = 0
 * control, sweeps or perturb-test fails CI. Every node downstream of a selection must have
 * trained with the chosen settings, read from what the runs recorded.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

interface Summary {
  epochs: number;
  hyper: { lr: number[]; regs: number[]; eps?: number; lambda?: number; c0?: number; reg?: number };
}

Deno.test({
  name: "e2e: paper-lite runs the tuned path; every node after a selection used its choice",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const artifacts = await Deno.makeTempDir({ prefix: "amr_e2e_lite_" });
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          MAIN,
          "reproduce",
          "--dataset",
          "smoke",
          "--profile",
          "paper-lite",
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
      const amr: Summary = await read("amr", "train_summary.json");
      const control: Summary = await read("vbpr-continued", "train_summary.json");
      assert.equal(control.epochs, amr.epochs);
      assert.deepEqual([control.hyper.lr, control.hyper.regs], [amr.hyper.lr, amr.hyper.regs]);
      const eps = await read("sweep-eps", "sweep.json");
      const lambda = await read("sweep-lambda", "sweep.json");
      assert.deepEqual(eps.fixed, { lambda: amr.hyper.lambda });
      assert.deepEqual(lambda.fixed, { eps: amr.hyper.eps });
      const md = await Deno.readTextFile(
        join(artifacts, "results", "smoke", "paper-lite", "report.md"),
      );
      assert.match(md, /trains the same epochs with AMR's learning rates and L2 weights/);
      // The report shows the c0 and reg MF-eALS ran with, and the tuning run they came from.
      const ealsRow = md.split("\n").find((l) => l.startsWith("| mf-eals | c0 = "));
      assert.ok(ealsRow, "no mf-eals row in the report's hyper-parameters table");
      assert.ok(
        ealsRow.startsWith(
          `| mf-eals | c0 = ${ealsChoice.values.c0}, reg = ${ealsChoice.values.reg}, `,
        ) && ealsRow.includes(`tune run ${ealsChoice.best.label} (c0, reg)`),
        ealsRow,
      );
      // `config show` reads the same choice from the last run's select-mf-eals entry.
      const show = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          MAIN,
          "config",
          "show",
          "--dataset",
          "smoke",
          "--profile",
          "paper-lite",
          "--json",
        ],
        env: { AMR_ARTIFACTS: artifacts, CI: "true" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(show.code, 0, new TextDecoder().decode(show.stderr));
      const rows = JSON.parse(new TextDecoder().decode(show.stdout)).values as {
        path: string;
        source: string;
      }[];
      for (const field of ["c0", "reg"]) {
        const row = rows.find((r) => r.path === `models.mf-eals.${field}`)!;
        const expected = `chosen in the last run: ${ealsChoice.values[field]} (select-mf-eals/`;
        assert.ok(row.source.startsWith(expected), row.source);
      }
    } finally {
      await Deno.remove(artifacts, { recursive: true });
    }
  },
});
