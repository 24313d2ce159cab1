/**
 * End to end: successive halving (`tune.schedule: "halving"`, plan/halving.ts) on paper-lite's
 * MF-BPR grid on the smoke dataset, against the full schedule of the same grid:
 * - every point starts; each `halve-mf-bpr@rung=<r>` keeps the best 1/eta by validation NDCG@10 at
 *   their best trained epoch (checked here against the rung's own summaries);
 * - a kept point continues from its saved state and ends with the full schedule's files of the
 *   same point, byte for byte (scores, weights, curve);
 * - a dropped point passes its first rung's results through and says it was stopped by halving;
 * - the selection reads every point's last rung and records where each stopped.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { amr, entries, type EntryInfo } from "../drills/helpers.ts";

const TARGET = ["--dataset", "smoke", "--profile", "paper-lite", "--jobs", "2"];
// eta 2 on paper-lite's 3 epochs: rungs end at epochs 1, 2 and 3, with 34, 17 and 8 points.
const HALVING = ["--set", 'tune.schedule="halving"', "--set", "tune.eta=2"];

function byNode(root: string): Map<string, EntryInfo> {
  return new Map(entries(root).map((e) => [e.node, e]));
}

function read(root: string, e: EntryInfo, name: string): string {
  return Deno.readTextFileSync(join(root, "store", e.key, name));
}

Deno.test({
  name: "e2e: halving keeps the best 1/eta per rung; kept points end as full runs, byte for byte",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const full = await Deno.makeTempDir({ prefix: "amr_e2e_full_" });
    const halving = await Deno.makeTempDir({ prefix: "amr_e2e_halving_" });
    try {
      const a = await amr(full, ["reproduce", ...TARGET, "select-mf-bpr"]);
      assert.equal(a.code, 0, a.stderr);
      const b = await amr(halving, ["reproduce", ...TARGET, ...HALVING, "select-mf-bpr"]);
      assert.equal(b.code, 0, b.stderr);
      const A = byNode(full);
      const B = byNode(halving);
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
      const same = (x: EntryInfo, y: EntryInfo, what: string) => {
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
    } finally {
      await Deno.remove(full, { recursive: true });
      await Deno.remove(halving, { recursive: true });
    }
  },
});
