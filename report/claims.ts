/**
 * The paper's claims as data: each claim's words, where the paper makes it and the rule that
 * checks it (an ordering in Table 2, AMR's cold/warm gain, the lambda = 0 control, robustness
 * at an eps, grad vs rand, a drop growing with eps), and the shape of a verdict. The tests
 * that decide each verdict are in `claim_eval.ts`.
 *
 * The verdict is **holds** (significant in the claimed direction), **fails** (significant
 * against it) or **inconclusive** (neither), each with the test's name and its p-value or
 * interval; **not measured** when the run did not produce the values. Across seeds, the
 * per-seed verdicts are combined by agreement (`report/seeds.ts`).
 *
 * @module
 */

import { fmtP, metricTitle } from "../tables/numbers.ts";
import { methodName } from "../config/methods.ts";

/** Verdict of one claim. */
export type ClaimStatus = "holds" | "fails" | "inconclusive" | "not measured";

/** The verdicts, in display order. */
export const CLAIM_STATUSES: readonly ClaimStatus[] = [
  "holds",
  "fails",
  "inconclusive",
  "not measured",
];

/** "better" beats "worse" on a metric of Table 2 (overall users). */
export interface OrderClaim {
  /** The rule kind (the evaluator `claim_eval.ts` runs). */
  readonly kind: "order";
  /** Lower-case method key of the better method. */
  readonly better: string;
  /** Lower-case method key of the worse method. */
  readonly worse: string;
  /** Metric key, e.g. "ndcg@10". */
  readonly metric: string;
}

/** AMR's relative gain over VBPR is larger on cold than on warm test items. */
export interface ColdWarmClaim {
  /** The rule kind (the evaluator `claim_eval.ts` runs). */
  readonly kind: "coldWarm";
  /** Metric key. */
  readonly metric: string;
}

/** AMR's relative NDCG@10 drop is smaller than VBPR's at one eps (Table 3). */
export interface RobustClaim {
  /** The rule kind (the evaluator `claim_eval.ts` runs). */
  readonly kind: "robustAt";
  /** Perturbation radius. */
  readonly eps: number;
}

/** The grad perturbation lowers VBPR more than the rand one at every eps (Figure 4). */
export interface GradVsRandClaim {
  /** The rule kind (the evaluator `claim_eval.ts` runs). */
  readonly kind: "gradVsRand";
  /** "hr10" or "ndcg10". */
  readonly metric: "hr10" | "ndcg10";
}

/** A model's Table 3 drop grows with eps. */
export interface DropGrowsClaim {
  /** The rule kind (the evaluator `claim_eval.ts` runs). */
  readonly kind: "dropGrows";
  /** "vbpr" or "amr". */
  readonly model: "vbpr" | "amr";
}

/**
 * AMR beats VBPR trained on from the same weights for the same epochs with the same optimiser
 * and no adversary (lambda = 0), on a metric over all test users, with a paired t-test.
 */
export interface ControlClaim {
  /** The rule kind (the evaluator `claim_eval.ts` runs). */
  readonly kind: "control";
  /** Metric key, e.g. "hr@10". */
  readonly metric: string;
}

/**
 * A tuned run's choices equal a reference profile's on the same data (a protocol row, not the
 * paper's; report/tuning.ts).
 */
export interface TuningClaim {
  /** The rule kind (the evaluator `claim_eval.ts` runs). */
  readonly kind: "tuning";
  /** The reference profile, e.g. `paper`. */
  readonly reference: string;
}

/** The rule of a claim. */
export type ClaimRule =
  | OrderClaim
  | ColdWarmClaim
  | RobustClaim
  | GradVsRandClaim
  | DropGrowsClaim
  | ControlClaim
  | TuningClaim;

/** One claim of the paper. */
export interface ClaimDefinition {
  /** Stable identifier, e.g. "order.amr>vbpr.ndcg@10". */
  readonly id: string;
  /** The claim in words. */
  readonly text: string;
  /** Where the paper makes it, e.g. "Table 2". */
  readonly source: string;
  /** How it is checked. */
  readonly rule: ClaimRule;
}

/** A claim with its verdict on our results. */
export interface ClaimResult extends ClaimDefinition {
  /** Verdict. */
  readonly status: ClaimStatus;
  /** The numbers behind the verdict, e.g. "AMR 0.1230 vs VBPR 0.1157, p = 0.003". */
  readonly statistic: string;
  /** The test, e.g. "paired t-test over 3226 users". */
  readonly test?: string;
  /**
   * The two-sided p-value the verdict compared with alpha (unadjusted for the checklist's other
   * tests): the test's p; for an "at every eps" claim the largest per-eps p (holds), or the
   * Bonferroni-adjusted smallest p against the claim, `min(1, m p)` (fails).
   */
  readonly p?: number;
  /** {@link p} Holm-adjusted over every claim of the checklist that has a p (`holmAdjust`). */
  readonly pHolm?: number;
  /** How many tests the verdict ran (one per eps for an "at every eps" claim; 0: none). */
  readonly tests?: number;
  /** 95% interval of the tested quantity (claimed direction positive). */
  readonly interval?: readonly [number, number];
  /** The paper's numbers for the same statement, when it reports them. */
  readonly paper?: string;
}

/**
 * The verdict as shown in the checklist, e.g. "holds" or "inconclusive".
 *
 * @param c an evaluated claim
 */
export function verdictText(c: Pick<ClaimResult, "status">): string {
  return c.status;
}

/** How many tests a checklist ran, and over which claims Holm's adjustment runs. */
export interface ChecklistTests {
  /** Claims with a p-value: the family of the Holm adjustment. */
  readonly tested: number;
  /** Every test run for the checklist (an "at every eps" claim runs one per eps). */
  readonly tests: number;
  /** Claims per verdict. */
  readonly counts: Readonly<Record<ClaimStatus, number>>;
}

/**
 * The tests behind a checklist and its verdict counts.
 *
 * @param claims the evaluated claims
 */
export function checklistTests(claims: readonly ClaimResult[]): ChecklistTests {
  const counts: Record<ClaimStatus, number> = {
    holds: 0,
    fails: 0,
    inconclusive: 0,
    "not measured": 0,
  };
  for (const c of claims) counts[c.status]++;
  return {
    tested: claims.filter((c) => typeof c.p === "number" && Number.isFinite(c.p)).length,
    tests: claims.reduce((a, c) => a + (c.tests ?? 0), 0),
    counts,
  };
}

/**
 * The tally line under the checklist's heading: the verdict counts, that they are unadjusted,
 * and how many tests the checklist ran.
 *
 * @param claims the evaluated claims
 */
export function checklistTally(claims: readonly ClaimResult[]): string {
  const t = checklistTests(claims);
  const c = t.counts;
  return `${c.holds} hold, ${c.fails} fail, ${c.inconclusive} inconclusive, ` +
    `${c["not measured"]} not measured. Verdicts are unadjusted for multiplicity: each claim's ` +
    "own test at the alpha its test names; holds / fails: that test is significant for / " +
    "against the claim, inconclusive: neither. " +
    `The checklist ran ${t.tests} tests for the ${t.tested} claims with a p-value; ` +
    `"p (Holm)" is each claim's p Holm-adjusted over those ${t.tested} claims (a Holm p below ` +
    "alpha keeps the verdict with the family-wise error rate at alpha).";
}

/**
 * A p-value cell of the checklist ("–" when the claim has none).
 *
 * @param p a p-value
 */
export function claimPCell(p: number | undefined): string {
  return p === undefined || !Number.isFinite(p) ? "–" : fmtP(p);
}

function orderClaims(): ClaimDefinition[] {
  const pairs: [string, string][] = [["amr", "vbpr"], ["vbpr", "mf-bpr"], ["mf-bpr", "pop"]];
  const out: ClaimDefinition[] = [];
  for (const [better, worse] of pairs) {
    for (const metric of ["hr@10", "ndcg@10"]) {
      out.push({
        id: `order.${better}>${worse}.${metric}`,
        text: `${methodName(better)} outperforms ${methodName(worse)} on ${metricTitle(metric)}`,
        source: "Table 2",
        rule: { kind: "order", better, worse, metric },
      });
    }
  }
  return out;
}

/** The paper's claims checked by the report, in display order. */
export const CLAIMS: readonly ClaimDefinition[] = [
  ...orderClaims(),
  ...["hr@10", "ndcg@10"].map((metric) => ({
    id: `coldwarm.${metric}`,
    text: `AMR's relative gain over VBPR on ${metricTitle(metric)} is larger on cold-start ` +
      "test items than on warm ones",
    source: "Sec. 4.2",
    rule: { kind: "coldWarm", metric } as const,
  })),
  ...["hr@10", "ndcg@10"].map((metric) => ({
    id: `control.amr>vbpr-continued.${metric}`,
    text: "AMR outperforms VBPR trained on for the same epochs with the same optimiser and no " +
      `adversary (lambda = 0 control) on ${metricTitle(metric)}`,
    source: "Fig. 3",
    rule: { kind: "control", metric } as const,
  })),
  ...[0.05, 0.1, 0.2].map((eps) => ({
    id: `robust.eps=${eps}`,
    text: `Under the adversarial perturbation with ε = ${eps}, AMR's relative NDCG@10 drop is ` +
      "smaller than VBPR's",
    source: "Table 3",
    rule: { kind: "robustAt", eps } as const,
  })),
  {
    id: "fig4.grad>rand",
    text: "Adversarial (grad) perturbations lower VBPR's NDCG@10 more than random ones of the " +
      "same ε, at every ε",
    source: "Fig. 4",
    rule: { kind: "gradVsRand", metric: "ndcg10" },
  },
  ...(["vbpr", "amr"] as const).map((model) => ({
    id: `table3.grows.${model}`,
    text: `${methodName(model)}'s NDCG@10 drop grows with ε`,
    source: "Table 3",
    rule: { kind: "dropGrows", model } as const,
  })),
];
