/**
 * End to end: successive halving (`tune.schedule: "halving"`, plan/halving.ts) on paper-lite's
 * MF-BPR grid on the smoke dataset, against the full schedule of the same grid:
 * - every point starts; each `halve-mf-bpr@rung=<r>` keeps the best 1/eta by validation NDCG@10 at
 *   their best trained epoch (checked here against the rung's own summaries);
 * - a kept point continues from its saved state and ends with the full schedule's files of the
 *   same point, byte for byte (scores, weights, curve);
 * - a dropped point passes its first rung's results through and says it was stopped by halving;
 * - the selection reads every point's last rung and records where each stopped;
 * - `config compare` shows the two schedules' choices side by side.
 * Both schedules run into one artifacts root, as a user comparing them would.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { amr } from "../drills/helpers.ts";
import { readState } from "../../pipeline/store/state.ts";

const RUN = ["--dataset", "smoke", "--jobs", "2"];
/** paper-lite with halving, eta 2: on its 3 epochs, rungs end at 1, 2 and 3 (34, 17, 8 points). */
const HALVING_PROFILE = {
  extends: "paper-lite",
  name: "lite-halving",
  tune: { schedule: "halving", eta: 2 },
};

/** An entry as the test reads it: its key and output hashes. */
interface Entry {
  key: string;
  outputs: Record<string, { sha256: string }>;
}

/** The entries a target's last run used, by node id. */
async function entriesOf(root: string, target: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  for (const [node, key] of Object.entries((await readState(root, target)).nodes)) {
    const m = JSON.parse(Deno.readTextFileSync(join(root, "store", key, "manifest.json")));
    out.set(node, { key, outputs: m.outputs });
  }
  return out;
}

function read(root: string, e: Entry, name: string): string {
  return Deno.readTextFileSync(join(root, "store", e.key, name));
}

Deno.test({
  name: "e2e: halving keeps the best 1/eta per rung; kept points end as full runs, byte for byte",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "amr_e2e_halving_" });
    const full = root;
    const halving = root;
    try {
      const profile = join(root, "lite-halving.json");
      await Deno.writeTextFile(profile, JSON.stringify(HALVING_PROFILE));
      const a = await amr(root, ["reproduce", ...RUN, "--profile", "paper-lite", "select-mf-bpr"]);
      assert.equal(a.code, 0, a.stderr);
      const b = await amr(root, ["reproduce", ...RUN, "--profile", profile, "select-mf-bpr"]);
      assert.equal(b.code, 0, b.stderr);
      const cmp = await amr(root, [
        "config",
        "compare",
        "--dataset",
        "smoke",
        "--profile",
        "paper-lite",
        "--with",
        profile,
        "--json",
      ]);
      assert.equal(cmp.code, 0, cmp.stderr);
      const compared = JSON.parse(cmp.stdout);
      const A = await entriesOf(root, compared.a.target);
      const B = await entriesOf(root, compared.b.target);
      const survivorsOf = (r: number) =>
        JSON.parse(read(halving, B.get(`halve-mf-bpr@rung=${r}`)!, "survivors.json"));
      const [r0, r1] = [survivorsOf(0), survivorsOf(1)];
      const points = [...A.keys()].filter((id) => /^tune-mf-bpr@lr=/.test(id));
      assert.equal(points.length, 34);
      assert.deepEqual([r0.epochs, r0.survivors.length, r0.ranking.length], [1, 17, 34]);
      assert.deepEqual([r1.epochs, r1.survivors.length, r1.ranking.length], [2, 8, 34]);
      assert.equal(B.has("halve-mf-bpr@rung=2"), false, "no halving after the last rung");

      // Rung 0's ranking is by each point's best trained epoch so far, from its summaries.
      const score = (id: string) => {
        const s = JSON.parse(read(halving, B.get(`${id},rung=0`)!, "train_summary.json"));
        return s.bestTrained.ndcg10 as number;
      };
      const ranked = [...points].sort((x, y) =>
        score(y) - score(x) || points.indexOf(x) - points.indexOf(y)
      );
      assert.deepEqual(r0.survivors, ranked.slice(0, 17));
      // Rung 1 keeps only points that trained through it: rung 0's survivors.
      for (const id of r1.survivors) assert.ok(r0.survivors.includes(id), id);

      const files = ["scores.npy", "P.npy", "Q.npy", "curve.csv"];
      const same = (x: Entry, y: Entry, what: string) => {
        for (const f of files) {
          assert.equal(x.outputs[f].sha256, y.outputs[f].sha256, `${what}/${f}`);
        }
      };
      for (const id of points) {
        const last = B.get(id)!;
        const stopped = JSON.parse(read(halving, last, "train_summary.json")).stopped;
        if (r1.survivors.includes(id)) {
          same(last, A.get(id)!, id); // kept to the end: the full schedule's run, byte for byte
          assert.deepEqual(stopped, { epoch: 3, reason: "epochs" });
        } else if (r0.survivors.includes(id)) {
          same(last, B.get(`${id},rung=1`)!, id);
          assert.deepEqual(stopped, { epoch: 2, reason: "halving" });
        } else {
          same(last, B.get(`${id},rung=0`)!, id);
          same(B.get(`${id},rung=1`)!, B.get(`${id},rung=0`)!, id);
          assert.deepEqual(stopped, { epoch: 1, reason: "halving" });
        }
      }
      const chosen = JSON.parse(read(halving, B.get("select-mf-bpr")!, "chosen.json"));
      const reasons = chosen.grid.map((g: { stopped: { reason: string } }) => g.stopped.reason);
      assert.deepEqual(
        [reasons.filter((r: string) => r === "halving").length, reasons.length],
        [26, 34],
      );
      // config compare: MF-BPR's three fields, each side's choice as its chosen.json says.
      const chosenA = JSON.parse(read(full, A.get("select-mf-bpr")!, "chosen.json"));
      const mf = compared.rows.filter((r: { node: string }) => r.node === "select-mf-bpr");
      assert.deepEqual(mf.map((r: { path: string }) => r.path), [
        "models.mf-bpr.epochs",
        "models.mf-bpr.lr",
        "models.mf-bpr.regs",
      ]);
      assert.equal(mf[1].a, JSON.stringify(chosenA.values.lr));
      assert.equal(mf[1].b, JSON.stringify(chosen.values.lr));
      assert.deepEqual(mf[1].stale, []);
      const sel = compared.selections.find((x: { node: string }) => x.node === "select-mf-bpr");
      assert.deepEqual(sel.a, { label: chosenA.best.label, ndcg10: chosenA.best.ndcg10 });
      assert.deepEqual(sel.b, { label: chosen.best.label, ndcg10: chosen.best.ndcg10 });
      // Selections neither run: no value on either side.
      const vbpr = compared.rows.find((r: { path: string }) => r.path === "models.vbpr.lr");
      assert.deepEqual([vbpr.a, vbpr.b], [null, null]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
