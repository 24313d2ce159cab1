/** The note on DUIF's start reads what the run recorded, not the profile. */
import assert from "node:assert/strict";
import { duifStartNote } from "../../report/duif_start.ts";
import type { Manifest } from "../../pipeline/stage/manifest.ts";

function manifest(params: unknown, inputs: Record<string, string>): Manifest {
  return {
    params,
    inputs: Object.fromEntries(
      Object.entries(inputs).map(([k, node]) => [k, { node, output: "x", hash: "h" }]),
    ),
  } as unknown as Manifest;
}

Deno.test("duifStartNote: scratch, MF-started, tuned choice, and a summary without the field", () => {
  assert.equal(
    duifStartNote({ hyper: { init: "scratch" } }, manifest({ override: [] }, {})),
    "DUIF trained from scratch (P and E at random).",
  );
  assert.equal(
    duifStartNote(
      { hyper: { init: "mf-bpr" } },
      manifest({ init: "mf-bpr" }, { init_P: "mf-bpr" }),
    ),
    "DUIF's P started from MF-BPR's trained P (node mf-bpr), E at random.",
  );
  const tuned = manifest({ override: ["epochs", "lr", "regs", "init"] }, {
    init_P: "mf-bpr",
    hyper: "select-duif",
  });
  assert.equal(
    duifStartNote({ hyper: { init: "scratch" } }, tuned),
    "DUIF trained from scratch (P and E at random), chosen on validation over starting P " +
      "from MF-BPR's P (select-duif).",
  );
  assert.match(
    duifStartNote({ hyper: { init: "mf-bpr" } }, tuned),
    /from MF-BPR's trained P \(node mf-bpr\), E at random, chosen on validation over training from scratch \(select-duif\)\.$/,
  );
  assert.match(duifStartNote({ hyper: {} }, undefined), /not recorded/);
});
