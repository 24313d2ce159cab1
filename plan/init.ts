/**
 * `--init official-vbpr`: every node that reads the final VBPR's weights reads the authors'
 * pretrained VBPR (as their `run.sh` does) instead: `amr` and `vbpr-continued` start from it
 * (so Figure 3's curves start from one point), perturb-test attacks it as "VBPR" (so Table 3
 * compares AMR with the VBPR it was built on), and every sweep run starts from it; in every seed
 * replicate. Adds an `official-vbpr` node (stage `official-vbpr`: the weights and their scores
 * on our test candidates) and `eval-official-vbpr`, which becomes the VBPR baseline of Table 2
 * (the VBPR row, AMR's stars and RI against VBPR, the AMR > VBPR and cold/warm claims): AMR is
 * compared with the VBPR it started from, not with our own. Our VBPR is still trained and
 * evaluated (`eval-vbpr`) but feeds no table; the tuning nodes keep their own chain, so in a
 * tuned profile AMR's settings were chosen from runs that started at our VBPR. Each report's
 * run metadata says all this ({@link OFFICIAL_INIT_NOTE}).
 */
import { stage as reportStage, tunedStage as tunedReportStage } from "../stages/report.ts";
import type { NodeSpec } from "../pipeline/mod.ts";
import { nodeSeed } from "./data.ts";
import { FEATURE_INPUTS, finalEvalNode, phaseInputs } from "./models.ts";
import { stage as officialStage } from "../stages/official-vbpr.ts";
import type { Profile } from "../config/profile.ts";

/** Where AMR's starting weights come from. */
export type AmrInit = "vbpr" | "official-vbpr";

/** The accepted `--init` values. */
export const AMR_INITS: readonly AmrInit[] = ["vbpr", "official-vbpr"];

/** The authors' weights file to start AMR from. */
export interface OfficialWeightsRef {
  /** Absolute path of `best-vbpr.npy`. */
  path: string;
  /** Its SHA-256. */
  sha256: string;
}

/** The weight files of a VBPR node that other nodes read. */
const VBPR_WEIGHTS = new Set(["P.npy", "Q.npy", "E.npy", "H.npy"]);

/** The final VBPR node of any seed replicate (`vbpr`, `vbpr#seed=2`). */
function isFinalVbpr(id: string): boolean {
  return id === "vbpr" || id.startsWith("vbpr#seed=");
}

/** The final evaluation of our VBPR in any seed replicate (`eval-vbpr`, `eval-vbpr#seed=2`). */
function isFinalVbprEval(id: string): boolean {
  return id === "eval-vbpr" || id.startsWith("eval-vbpr#seed=");
}

/** Id of the evaluation of the authors' weights (Table 2's VBPR under `--init official-vbpr`). */
export const OFFICIAL_EVAL = "eval-official-vbpr";

/** What the report says about the re-pointed nodes (followed by their ids). */
export const OFFICIAL_INIT_NOTE = "authors' pretrained VBPR (official-vbpr) replaces our VBPR's " +
  "weights in: ";

/** Options of {@link withOfficialInit}. */
export interface OfficialInitOptions {
  /** The profile's root seed (the two nodes' seeds derive from it). */
  seed: number;
  /** The profile's embedding size (the weights must have it). */
  k: number;
  /** How cold test items are scored (the profile's `coldMode`). */
  coldMode: Profile["coldMode"];
  /** Whether the profile tunes (AMR's settings then come from runs started at our VBPR). */
  tuned: boolean;
}

/**
 * Returns `nodes` with every reader of the final VBPR's weights re-pointed to the authors'
 * weights and every reader of our VBPR's evaluation (Table 2, the report's paired tests)
 * re-pointed to `eval-official-vbpr` (see the module comment); each report node's `run`
 * metadata gets a `VBPR weights` line naming the re-pointed nodes.
 */
export function withOfficialInit(
  nodes: NodeSpec[],
  weights: OfficialWeightsRef,
  opts: OfficialInitOptions,
): NodeSpec[] {
  if (!nodes.some((n) => n.id === "amr")) {
    throw new Error("--init official-vbpr: the plan has no amr node");
  }
  const official: NodeSpec = {
    id: "official-vbpr",
    stage: officialStage,
    params: {
      path: weights.path,
      sha256: weights.sha256,
      k: opts.k,
      coldMode: opts.coldMode,
    },
    inputs: { ...phaseInputs("final"), ...FEATURE_INPUTS },
    seed: nodeSeed(opts.seed, "official-vbpr"),
  };
  const evaluation = finalEvalNode("official-vbpr", opts.seed);
  const repointed: string[] = [];
  const baseline: string[] = [];
  const rewired = nodes.map((n): NodeSpec => {
    let changed = false;
    const inputs = Object.fromEntries(
      Object.entries(n.inputs).map(([name, ref]) => {
        if (isFinalVbprEval(ref.node)) {
          baseline.push(n.id);
          changed = true;
          return [name, { node: OFFICIAL_EVAL, output: ref.output }];
        }
        if (!isFinalVbpr(ref.node) || !VBPR_WEIGHTS.has(ref.output)) return [name, ref];
        if (!repointed.includes(n.id)) repointed.push(n.id);
        changed = true;
        return [name, { node: "official-vbpr", output: ref.output }];
      }),
    );
    return changed ? { ...n, inputs } : n;
  });
  const note = `${OFFICIAL_INIT_NOTE}${repointed.join(", ")}; Table 2's VBPR row, AMR's ` +
    `stars and RI against VBPR and the AMR > VBPR and cold/warm claims use the authors' VBPR ` +
    `scored on our candidates (${OFFICIAL_EVAL}, read by ${[...new Set(baseline)].join(", ")}); ` +
    "our VBPR is still trained (eval-vbpr) and its row of the hyper-parameters table is ours" +
    (opts.tuned
      ? "; AMR's settings were chosen from tuning runs that started at our VBPR " +
        "(tune-vbpr@chosen), not at the authors' weights"
      : "");
  const out = rewired.map((n): NodeSpec => {
    if (n.stage !== reportStage && n.stage !== tunedReportStage) return n;
    const params = n.params as { run?: Record<string, unknown> };
    return { ...n, params: { ...params, run: { ...params.run, "VBPR weights": note } } };
  });
  const at = out.findIndex((n) => n.id === "amr");
  return [...out.slice(0, at), official, evaluation, ...out.slice(at)];
}
