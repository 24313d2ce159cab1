/**
 * Where DUIF's user matrix P started in a run (paper sec. 4.1.3: from scratch or from MF's user
 * embeddings), as the `duif` node recorded it: `hyper.init` of its `train_summary.json`, and
 * for a tuned run the selection its manifest read the choice from. Never re-derived from the
 * profile.
 *
 * @module
 */
import type { Manifest } from "../pipeline/stage/mod.ts";

/** What the note reads of DUIF's `train_summary.json`. */
export interface DuifSummaryFacts {
  readonly hyper: { readonly init?: string };
}

/**
 * One sentence on DUIF's start for the notes under Table 2, e.g. "DUIF's P started from MF-BPR's
 * trained P (node mf-bpr), chosen on validation over training from scratch (select-duif)."
 *
 * @param summary DUIF's training summary
 * @param manifest the `duif` node's manifest (its `init_P` and `hyper` inputs, `override`)
 */
export function duifStartNote(
  summary: DuifSummaryFacts,
  manifest: Readonly<Manifest> | undefined,
): string {
  const init = summary.hyper.init;
  const override = (manifest?.params as { override?: unknown } | undefined)?.override;
  const chosenBy = Array.isArray(override) && override.includes("init")
    ? manifest?.inputs.hyper?.node
    : undefined;
  let text: string;
  if (init === "mf-bpr") {
    text = `DUIF's P started from MF-BPR's trained P (node ${
      manifest?.inputs.init_P?.node ?? "unknown"
    }), E at random`;
  } else if (init === "scratch") {
    text = "DUIF trained from scratch (P and E at random)";
  } else {
    return "DUIF's start (scratch or MF-BPR's P) is not recorded in its training summary.";
  }
  const other = init === "mf-bpr" ? "training from scratch" : "starting P from MF-BPR's P";
  return chosenBy ? `${text}, chosen on validation over ${other} (${chosenBy}).` : `${text}.`;
}
