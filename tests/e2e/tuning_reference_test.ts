/**
 * End to end: a tuned profile that names a `tune.reference` (as `paper-fast` names `paper`), at
 * smoke scale with `paper-lite` as the reference.
 * - Before the reference has run, the report's tuning row is "not measured", saying why.
 * - Once it has run, only `tune-compare` and the report rerun; the comparison reads each of the
 *   reference's selections from its own store entry (key and hash in the params) and the claims
 *   row and `metrics.json` carry the verdict.
 * - A reference `chosen.json` edited in the store is not trusted: the row says so, the run goes on.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { amr, entries } from "../drills/helpers.ts";
import { COMPARED_SELECTIONS } from "../../plan/tune.ts";

const SELECTIONS = Object.values(COMPARED_SELECTIONS);

/** Node ids a `reproduce` run printed as run. */
function ran(stdout: string): string[] {
  return stdout.split("\n").map((l) => /^\s+(\S+)\s+ran\s/.exec(l)?.[1]).filter((x) =>
    x !== undefined
  ) as string[];
}

interface Comparison {
  reference: { profile: string; unavailable?: string } | null;
  selections: { node: string; same: boolean | null; reference: unknown }[];
}

Deno.test({
  name: "e2e: a tuned run compares its choices with its reference profile's, once that has run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "amr_e2e_reference_" });
    try {
      const profile = join(root, "lite-fast.json");
      await Deno.writeTextFile(
        profile,
        JSON.stringify({
          extends: "paper-lite",
          name: "lite-fast",
          description: "paper-lite with early stopping, compared with paper-lite",
          tune: { patience: 1, reference: "paper-lite" },
        }),
      );
      const art = join(root, "artifacts");
      const fast = ["reproduce", "--dataset", "smoke", "--profile", profile, "--jobs", "2"];
      const results = join(art, "results", "smoke", "lite-fast");
      const comparison = async (): Promise<Comparison> =>
        JSON.parse(await Deno.readTextFile(join(results, "data", "tuning.json")));
      const metrics = async (): Promise<Record<string, number>> =>
        JSON.parse(await Deno.readTextFile(join(results, "metrics.json")));

      let r = await amr(art, fast);
      assert.equal(r.code, 0, r.stderr);
      let c = await comparison();
      assert.equal(c.reference?.profile, "paper-lite");
      assert.deepEqual(c.selections.map((s) => s.node), SELECTIONS);
      assert.ok(c.selections.every((s) => s.same === null && s.reference === null));
      let md = await Deno.readTextFile(join(results, "report.md"));
      assert.match(md, /\| not measured \| paper-lite has no selection for this data and code/);
      assert.equal("claim.tuning.same-as.paper-lite" in await metrics(), false);

      r = await amr(art, ["reproduce", "--dataset", "smoke", "--profile", "paper-lite"]);
      assert.equal(r.code, 0, r.stderr);
      r = await amr(art, fast);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(ran(r.stdout).sort(), ["report", "tune-compare"], r.stdout);
      c = await comparison();
      assert.equal(c.reference?.unavailable, undefined);
      assert.ok(c.selections.every((s) => s.same !== null), JSON.stringify(c.selections));

      // The reference's choices came from paper-lite's own selection entries, not lite-fast's.
      const all = entries(art);
      const compare = all.filter((e) => e.node === "tune-compare");
      const manifestOf = (key: string) =>
        JSON.parse(Deno.readTextFileSync(join(art, "store", key, "manifest.json")));
      // Three tune-compare entries: paper-lite's own (no reference), lite-fast's before
      // paper-lite ran (every selection null) and the one after (every selection read).
      assert.equal(compare.length, 3);
      const cm = compare.map((e) => manifestOf(e.key)).find((m) =>
        m.params.reference !== null &&
        Object.values(m.params.reference.selections).length === SELECTIONS.length &&
        Object.values(m.params.reference.selections).every((s) => s !== null)
      );
      assert.ok(cm, "a tune-compare entry with the reference's choices");
      const own = new Set(Object.values(cm.inputs).map((i) => (i as { key: string }).key));
      for (const node of SELECTIONS) {
        const sel = cm.params.reference.selections[node];
        assert.ok(sel, node);
        // MF-eALS's grid runs in full under any schedule: one entry serves both profiles.
        assert.equal(own.has(sel.key), node === "select-mf-eals", node);
        const m = manifestOf(sel.key);
        assert.equal(m.node, node);
        assert.equal(m.outputs["chosen.json"].sha256, sel.sha256);
      }
      const verdict = (await metrics())["claim.tuning.same-as.paper-lite"];
      const same = c.selections.every((s) => s.same);
      assert.equal(verdict, same ? 1 : -1);
      md = await Deno.readTextFile(join(results, "report.md"));
      assert.match(md, /### Tuning: the choices on validation/);
      assert.match(
        md,
        /\| lite-fast's tuning chooses the hyper-parameters paper-lite's tuning chooses/,
      );

      // An edited reference entry: not trusted, said so, the run goes on.
      const vbpr = cm.params.reference.selections["select-vbpr"];
      const path = join(art, "store", vbpr.key, "chosen.json");
      const text = await Deno.readTextFile(path);
      await Deno.writeTextFile(path, text.replace(/"ndcg10": ?0\.(\d)/, '"ndcg10":0.$1 '));
      r = await amr(art, fast);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(ran(r.stdout).sort(), ["report", "tune-compare"], r.stdout);
      c = await comparison();
      assert.match(
        c.reference?.unavailable ?? "",
        /^its store entry [0-9a-f]{12} cannot be trusted: chosen\.json does not match its manifest/,
      );
      assert.doesNotMatch(c.reference!.unavailable!, new RegExp(art), "no local path in params");
      assert.ok(c.selections.every((s) => s.same === null));
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
