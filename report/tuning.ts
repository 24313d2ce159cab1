/**
 * Tuning in the report: what each selection of a tuned run chose, and, when the profile names a
 * `tune.reference` (paper-fast names paper), the comparison with what the reference profile's
 * selections chose on the same data: selection by selection, whether the same hyper-parameters
 * were chosen, how much validation NDCG@10 the choice gives up inside the reference's own grid
 * (where every point trained the reference's way), and the epochs each grid trained.
 *
 * The stage `tune-compare` writes {@link TuningComparison} as `comparison.json`; this module
 * holds its schema, the comparison itself, the claims row and the rows the writers show.
 *
 * @module
 */
import { z } from "zod";
import { canonicalJson } from "../pipeline/stage/mod.ts";
import { fmt, fmtDiff } from "../tables/numbers.ts";
import type { ClaimDefinition, ClaimResult } from "./claims.ts";

/** One selection's choice, reduced to what the comparison needs. */
export const selectionSummarySchema = z.object({
  /** Node id of the chosen grid run, e.g. `tune-vbpr@lr=0.01,l2=0.001`. */
  label: z.string(),
  /** The chosen hyper-parameters except the epochs (lr, regs, eps, lambda, init, c0, reg). */
  values: z.record(z.string(), z.unknown()),
  /**
   * The coordinates this selection chose among (e.g. `{lr, l2}`, `{lambda}`; DUIF's `init` too),
   * what "the same choice" compares: the other values come from earlier selections.
   */
  point: z.record(z.string(), z.union([z.number(), z.string()])),
  /** The chosen epoch count (null: not chosen, MF-eALS's sweeps). */
  epochs: z.number().int().min(0).nullable(),
  /** Validation NDCG@10 of the choice. */
  ndcg10: z.number(),
  /** Epochs its grid trained in all (null where a run did not record where it stopped). */
  epochsTrained: z.number().int().min(0).nullable(),
  /** Every grid run the selection considered: its coordinates and validation NDCG@10. */
  grid: z.array(
    z.object({
      point: z.record(z.string(), z.union([z.number(), z.string()])),
      ndcg10: z.number(),
    }),
  ),
}).strict();

/** One selection's choice, reduced to what the comparison needs. */
export type SelectionSummary = z.infer<typeof selectionSummarySchema>;

/** The reference profile's choices, as the planner read them from its store entries. */
export const tuningReferenceSchema = z.object({
  /** The reference profile's name, e.g. `paper`. */
  profile: z.string(),
  /** Its target name, e.g. `synthetic-pinterest--paper`. */
  target: z.string(),
  /** Why nothing can be compared (e.g. it runs on other data); absent when comparable. */
  unavailable: z.string().optional(),
  /** Profile fields besides the tuning schedule whose values differ between the two. */
  differences: z.array(z.string()),
  /**
   * Per selection node: the reference entry's store key, the SHA-256 of its `chosen.json` and
   * its choice; null where the reference has no entry for this data and code.
   */
  selections: z.record(
    z.string(),
    z.object({ key: z.string(), sha256: z.string(), choice: selectionSummarySchema }).strict()
      .nullable(),
  ),
}).strict();

/** The reference profile's choices, as the planner read them from its store entries. */
export type TuningReference = z.infer<typeof tuningReferenceSchema>;

/** One selection compared. */
export const selectionComparisonSchema = z.object({
  /** Selection node id, e.g. `select-vbpr`. */
  node: z.string(),
  /** Our choice. */
  ours: selectionSummarySchema.omit({ grid: true }),
  /** The reference's choice (null: the reference has not run this selection). */
  reference: selectionSummarySchema.omit({ grid: true }).nullable(),
  /** Whether both chose the same coordinates (`point`); null without a reference. */
  same: z.boolean().nullable(),
  /** Whether both chose the same epochs too; null without a reference. */
  sameEpochs: z.boolean().nullable(),
  /**
   * Validation NDCG@10 of our choice's coordinates inside the reference's grid (null: not among
   * the runs it considered, or no reference).
   */
  oursInReference: z.number().nullable(),
  /** The reference's best minus {@link oursInReference}: what our choice gives up there. */
  regret: z.number().nullable(),
}).strict();

/** One selection compared. */
export type SelectionComparison = z.infer<typeof selectionComparisonSchema>;

/** `comparison.json` of the stage `tune-compare`. */
export const tuningComparisonSchema = z.object({
  /** Our profile's name. */
  profile: z.string(),
  /** The schedule our grids ran, in words (plan/tune.ts `tuneSchedule`). */
  schedule: z.string(),
  /** The reference, without its selections' grids (null: the profile names none). */
  reference: tuningReferenceSchema.omit({ selections: true }).nullable(),
  /** Every selection, in the order of the run's selections. */
  selections: z.array(selectionComparisonSchema),
}).strict();

/** `comparison.json` of the stage `tune-compare`. */
export type TuningComparison = z.infer<typeof tuningComparisonSchema>;

function samePoint(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * Compares our selections with the reference's (none: our choices alone).
 *
 * @param profile our profile's name
 * @param schedule our grids' schedule in words
 * @param ours per selection node, our choice (in display order)
 * @param reference the reference's choices, or null
 */
export function compareTuning(
  profile: string,
  schedule: string,
  ours: ReadonlyArray<readonly [string, SelectionSummary]>,
  reference: TuningReference | null,
): TuningComparison {
  const comparable = reference !== null && reference.unavailable === undefined;
  const selections = ours.map(([node, o]): SelectionComparison => {
    const r = comparable ? reference.selections[node]?.choice ?? null : null;
    const { grid: _o, ...oursShown } = o;
    if (!r) {
      return {
        node,
        ours: oursShown,
        reference: null,
        same: null,
        sameEpochs: null,
        oursInReference: null,
        regret: null,
      };
    }
    const { grid, ...refShown } = r;
    const inRef = grid.find((g) => samePoint(g.point, o.point))?.ndcg10 ?? null;
    const same = samePoint(o.point, r.point);
    return {
      node,
      ours: oursShown,
      reference: refShown,
      same,
      sameEpochs: same && o.epochs === r.epochs,
      oursInReference: inRef,
      regret: inRef === null ? null : r.ndcg10 - inRef,
    };
  });
  let shown: TuningComparison["reference"] = null;
  if (reference) {
    const { selections: _s, ...rest } = reference;
    shown = rest;
  }
  return { profile, schedule, reference: shown, selections };
}

/** The id of the claims row comparing with a reference profile. */
export function tuningClaimId(reference: string): string {
  return `tuning.same-as.${reference}`;
}

function valuesText(v: Record<string, unknown>): string {
  return Object.entries(v).map(([k, x]) =>
    `${k} ${Array.isArray(x) && new Set(x).size === 1 ? x[0] : JSON.stringify(x)}`
  ).join(", ");
}

function trainedText(c: TuningComparison): string | null {
  let ours = 0;
  let ref = 0;
  for (const s of c.selections) {
    if (s.ours.epochsTrained === null || s.reference?.epochsTrained == null) continue;
    ours += s.ours.epochsTrained;
    ref += s.reference.epochsTrained;
  }
  if (ref === 0) return null;
  return `the compared grids trained ${ours} epochs against ${ref} (${
    (100 * ours / ref).toFixed(0)
  }%)`;
}

/**
 * The claims row "our tuning chooses what the reference's chooses" (null without a reference).
 *
 * @param c the comparison
 */
export function tuningClaim(c: TuningComparison): ClaimDefinition | null {
  const ref = c.reference;
  if (!ref) return null;
  return {
    id: tuningClaimId(ref.profile),
    text: `${c.profile}'s tuning chooses the hyper-parameters ${ref.profile}'s tuning chooses, ` +
      "at every selection",
    source: "Sec. 3.3, 4.1.4 (protocol)",
    rule: { kind: "tuning", reference: ref.profile },
  };
}

/**
 * The verdict of {@link tuningClaim}: holds when every selection was compared and chose the same
 * coordinates (epochs aside), fails when one compared did not, inconclusive when those compared
 * agree but the reference has not run every selection, not measured when it has run none on this
 * data and code. An exact comparison, no statistical test; the statistic names each difference
 * with what it gives up inside the reference's grid.
 *
 * @param c the comparison (absent: not measured)
 */
export function tuningVerdict(
  c: TuningComparison | undefined,
): Pick<ClaimResult, "status" | "statistic" | "test"> {
  const ref = c?.reference;
  if (!c || !ref) return { status: "not measured", statistic: "no tuning comparison in this run" };
  const compared = c.selections.filter((s) => s.same !== null);
  if (compared.length === 0) {
    const why = ref.unavailable ??
      `${ref.profile} has no selection for this data and code in the store (run ` +
        `"reproduce --profile ${ref.profile}" on this dataset first)`;
    return { status: "not measured", statistic: why };
  }
  const differ = compared.filter((s) => !s.same);
  const parts = differ.map((s) => {
    const lost = s.regret === null
      ? `not among ${ref.profile}'s grid runs`
      : `validation NDCG@10 ${fmt(s.oursInReference)} in ${ref.profile}'s grid against its best ` +
        `${fmt(s.reference!.ndcg10)} (${fmtDiff(-s.regret)})`;
    return `${s.node}: ${valuesText(s.ours.point)} against ${
      valuesText(s.reference!.point)
    }; ${lost}`;
  });
  const trained = trainedText(c);
  const other = ref.differences.length > 0
    ? `; other settings differ: ${ref.differences.join(", ")}`
    : "";
  const missing = c.selections.length - compared.length;
  return {
    status: differ.length > 0 ? "fails" : missing > 0 ? "inconclusive" : "holds",
    statistic: `the same at ${compared.length - differ.length} of ${compared.length} ` +
      `selections${missing > 0 ? ` (${missing} not run by ${ref.profile})` : ""}${
        parts.length > 0 ? `; ${parts.join("; ")}` : ""
      }${trained ? `; ${trained}` : ""}${other}`,
    test: "exact comparison of the chosen values (no test: one tuning run each)",
  };
}

/** Title of the report's tuning section. */
export const TUNING_TITLE = "Tuning: the choices on validation";

/**
 * The tuning section's rows: per selection, our choice and, with a reference, its choice, our
 * choice's NDCG@10 inside its grid and the epochs each grid trained.
 *
 * @param c the comparison
 */
export function tuningRows(c: TuningComparison): { header: string[]; rows: string[][] } {
  const ref = c.reference?.profile;
  const header = ["selection", `${c.profile}: chosen`, "val. NDCG@10", "epochs trained"];
  if (ref) {
    header.push(
      `${ref}: chosen`,
      "val. NDCG@10",
      "epochs trained",
      "same",
      `ours in ${ref}'s grid`,
    );
  }
  const chosen = (s: SelectionComparison["ours"]) =>
    `${valuesText(s.values)}${s.epochs === null ? "" : `, ${s.epochs} epochs`}`;
  const rows = c.selections.map((s) => {
    const row = [
      s.node,
      chosen(s.ours),
      fmt(s.ours.ndcg10),
      s.ours.epochsTrained === null ? "–" : String(s.ours.epochsTrained),
    ];
    if (ref) {
      const r = s.reference;
      row.push(
        r ? chosen(r) : "not run",
        r ? fmt(r.ndcg10) : "–",
        r?.epochsTrained == null ? "–" : String(r.epochsTrained),
        s.same === null ? "–" : s.same ? (s.sameEpochs ? "yes" : "yes (other epochs)") : "no",
        s.oursInReference === null ? "–" : fmt(s.oursInReference),
      );
    }
    return row;
  });
  return { header, rows };
}

/**
 * The sentence under the tuning section: the schedule and, with a reference, what was compared.
 *
 * @param c the comparison
 */
export function tuningNote(c: TuningComparison): string {
  const ref = c.reference;
  const head = `${c.profile}'s grids: ${c.schedule}. Each choice's validation NDCG@10 is at its ` +
    "best epoch; epochs trained sum every run of the selection's grid, where each stopped.";
  if (!ref) return head;
  if (ref.unavailable) return `${head} Not compared with ${ref.profile}: ${ref.unavailable}.`;
  return `${head} ${ref.profile}'s choices are read from its store entries for this dataset and ` +
    `code (target ${ref.target}); "ours in ${ref.profile}'s grid" is the validation NDCG@10 ` +
    `that ${ref.profile}'s grid measured at our choice's hyper-parameters (under its own ` +
    "upstream choices)." +
    (ref.differences.length > 0 ? ` Other settings differ: ${ref.differences.join(", ")}.` : "");
}
