/**
 * The paper's claims as data, and their evaluation on our results.
 *
 * Each claim names the paper artifact it comes from and a rule; {@link evaluateClaims} turns
 * it into holds / does not hold / not measured, with the numbers behind the verdict and, where
 * the paper reports them, the paper's own numbers. A claim about "A beats B" of the paper's
 * Table 2 with a starred cell also asks for a paired t-test p below alpha when the p-value is
 * given.
 *
 * @module
 */

import type { ReportInput, Table2Input, Table3Input } from "./input.ts";
import type { PaperValues } from "../config/paper.ts";
import type { PerturbationPoint } from "../figures/specs.ts";
import { fmt, fmtPClause, fmtPct, methodKey, metricTitle } from "./format.ts";

/** Verdict of one claim. */
export type ClaimStatus = "holds" | "does not hold" | "not measured";

/** "better" beats "worse" on a metric of Table 2 (overall users). */
export interface OrderClaim {
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
  readonly kind: "coldWarm";
  /** Metric key. */
  readonly metric: string;
}

/** AMR's relative NDCG@10 drop is smaller than VBPR's at one eps (Table 3). */
export interface RobustClaim {
  readonly kind: "robustAt";
  /** Perturbation radius. */
  readonly eps: number;
}

/** The grad perturbation lowers VBPR more than the rand one at every eps (Figure 4). */
export interface GradVsRandClaim {
  readonly kind: "gradVsRand";
  /** "hr10" or "ndcg10". */
  readonly metric: "hr10" | "ndcg10";
}

/** A model's Table 3 drop grows with eps. */
export interface DropGrowsClaim {
  readonly kind: "dropGrows";
  /** "vbpr" or "amr". */
  readonly model: "vbpr" | "amr";
}

/**
 * AMR beats VBPR trained on from the same weights for the same epochs with the same optimiser
 * and no adversary (lambda = 0), on a metric over all test users, with a paired t-test.
 */
export interface ControlClaim {
  readonly kind: "control";
  /** Metric key, e.g. "hr@10". */
  readonly metric: string;
}

/** The rule of a claim. */
export type ClaimRule =
  | OrderClaim
  | ColdWarmClaim
  | RobustClaim
  | GradVsRandClaim
  | DropGrowsClaim
  | ControlClaim;

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
  /** The paper's numbers for the same statement, when it reports them. */
  readonly paper?: string;
  /** A note on the verdict, e.g. "difference < 0.1 pt" when the margin is tiny. */
  readonly qualifier?: string;
}

/**
 * The verdict as shown in the checklist: the status, then the qualifier in parentheses, e.g.
 * "holds (difference < 0.1 pt)".
 *
 * @param c an evaluated claim
 */
export function verdictText(c: Pick<ClaimResult, "status" | "qualifier">): string {
  return c.qualifier === undefined ? c.status : `${c.status} (${c.qualifier})`;
}

/** Our results the claims read (parts of {@link ReportInput}). */
export type ClaimsInput = Pick<ReportInput, "table2" | "table3" | "figures" | "control">;

/** Options of {@link evaluateClaims}. */
export interface ClaimsOptions {
  /** The paper's values for the dataset (to quote beside ours). */
  readonly paper?: PaperValues;
  /** Significance level for claims backed by a t-test (default: the table's, else 0.05). */
  readonly alpha?: number;
}

const DISPLAY: Record<string, string> = {
  "amr": "AMR",
  "vbpr": "VBPR",
  "mf-bpr": "MF-BPR",
  "pop": "POP",
  "mf-eals": "MF-eALS",
  "duif": "DUIF",
};

function display(key: string): string {
  return DISPLAY[key] ?? key;
}

function orderClaims(): ClaimDefinition[] {
  const pairs: [string, string][] = [["amr", "vbpr"], ["vbpr", "mf-bpr"], ["mf-bpr", "pop"]];
  const out: ClaimDefinition[] = [];
  for (const [better, worse] of pairs) {
    for (const metric of ["hr@10", "ndcg@10"]) {
      out.push({
        id: `order.${better}>${worse}.${metric}`,
        text: `${display(better)} outperforms ${display(worse)} on ${metricTitle(metric)}`,
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
    text: `${display(model)}'s NDCG@10 drop grows with ε`,
    source: "Table 3",
    rule: { kind: "dropGrows", model } as const,
  })),
];

function rowOf(table: Table2Input, key: string): number {
  return table.methods.findIndex((m) => methodKey(m) === key);
}

function valueOf(table: Table2Input | undefined, method: string, metric: string) {
  if (table === undefined) return undefined;
  const r = rowOf(table, method);
  const k = table.metrics.indexOf(metric);
  if (r < 0 || k < 0) return undefined;
  const v = table.values[r][k];
  return Number.isFinite(v) ? v : undefined;
}

function paperValue(paper: PaperValues | undefined, method: string, metric: string) {
  const t = paper?.table2;
  if (t === undefined) return undefined;
  const k = t.metrics.indexOf(metric);
  const row = t.methods[method];
  return k < 0 || row === undefined ? undefined : row.values[k];
}

type Verdict = { status: ClaimStatus; statistic: string; paper?: string; qualifier?: string };

/** Table 3 changes in the claims: two decimals, so that close drops can be told apart. */
const T3_DIGITS = 2;

/** Below this absolute difference of two relative changes (0.1 pt) a verdict is qualified. */
const TINY_DIFF = 0.001;

const NOT_MEASURED = (what: string): Verdict => ({
  status: "not measured",
  statistic: `${what} not produced in this run`,
});

function evalOrder(rule: OrderClaim, input: ClaimsInput, opts: ClaimsOptions): Verdict {
  const table = input.table2?.overall;
  const a = valueOf(table, rule.better, rule.metric);
  const b = valueOf(table, rule.worse, rule.metric);
  const pa = paperValue(opts.paper, rule.better, rule.metric);
  const pb = paperValue(opts.paper, rule.worse, rule.metric);
  const paper = pa !== undefined && pb !== undefined ? `${fmt(pa)} vs ${fmt(pb)}` : undefined;
  const withPaper = (v: Verdict): Verdict => (paper === undefined ? v : { ...v, paper });
  if (table === undefined || a === undefined || b === undefined) {
    return withPaper(NOT_MEASURED(`Table 2 (${display(rule.better)}, ${display(rule.worse)})`));
  }
  let statistic = `${display(rule.better)} ${fmt(a)} vs ${display(rule.worse)} ${fmt(b)}`;
  let significant = true;
  // p-values are of "ours" against each row, so they back the claim when ours is the better.
  const ours = methodKey(table.ours ?? "AMR");
  if (rule.better === ours && table.pValues !== undefined) {
    const p = table.pValues[rowOf(table, rule.worse)]?.[table.metrics.indexOf(rule.metric)];
    if (p !== null && p !== undefined && Number.isFinite(p)) {
      const alpha = opts.alpha ?? table.alpha ?? 0.05;
      statistic += `, ${fmtPClause(p)} (paired t-test, alpha ${alpha})`;
      significant = p < alpha;
    }
  }
  const holds = a > b && significant;
  if (a > b && !significant) statistic += "; higher but not significant";
  return withPaper({ status: holds ? "holds" : "does not hold", statistic });
}

function gain(table: Table2Input | undefined, metric: string): number | undefined {
  const a = valueOf(table, "amr", metric);
  const v = valueOf(table, "vbpr", metric);
  if (a === undefined || v === undefined || v === 0) return undefined;
  return (a - v) / v;
}

function evalColdWarm(rule: ColdWarmClaim, input: ClaimsInput, opts: ClaimsOptions): Verdict {
  const cold = gain(input.table2?.cold, rule.metric);
  const warm = gain(input.table2?.warm, rule.metric);
  const pc = opts.paper?.coldWarm?.cold[rule.metric];
  const pw = opts.paper?.coldWarm?.warm[rule.metric];
  const paper = pc !== undefined && pw !== undefined
    ? `cold ${fmtPct(pc, { signed: true })} vs warm ${fmtPct(pw, { signed: true })}`
    : undefined;
  const zeroBase = (t: Table2Input | undefined) => valueOf(t, "vbpr", rule.metric) === 0;
  const v: Verdict = zeroBase(input.table2?.cold) || zeroBase(input.table2?.warm)
    ? {
      status: "not measured",
      statistic: `VBPR's ${metricTitle(rule.metric)} is 0 on cold (AMR ` +
        `${fmt(valueOf(input.table2?.cold, "amr", rule.metric) ?? NaN)}) or warm items: ` +
        "relative gain undefined",
    }
    : cold === undefined || warm === undefined
    ? NOT_MEASURED("Table 2 on cold and warm users")
    : {
      status: cold > warm ? "holds" : "does not hold",
      statistic: `AMR over VBPR: cold ${fmtPct(cold, { signed: true })} vs warm ` +
        `${fmtPct(warm, { signed: true })}`,
    };
  return paper === undefined ? v : { ...v, paper };
}

function epsIndex(eps: readonly number[], value: number): number {
  return eps.findIndex((e) => Math.abs(e - value) <= 1e-9 * Math.max(1, Math.abs(value)));
}

function evalRobust(rule: RobustClaim, input: ClaimsInput, opts: ClaimsOptions): Verdict {
  const t: Table3Input | undefined = input.table3;
  const p = opts.paper?.table3;
  const pk = p === undefined ? -1 : epsIndex(p.eps, rule.eps);
  const paper = p !== undefined && pk >= 0
    ? `AMR ${fmtPct(p.amr[pk], { signed: true })} vs VBPR ${fmtPct(p.vbpr[pk], { signed: true })}`
    : undefined;
  const k = t === undefined ? -1 : epsIndex(t.eps, rule.eps);
  let v: Verdict;
  if (t === undefined || k < 0 || !Number.isFinite(t.amr[k]) || !Number.isFinite(t.vbpr[k])) {
    v = NOT_MEASURED(`Table 3 at ε = ${rule.eps}`);
  } else {
    const amrDrop = -t.amr[k];
    const vbprDrop = -t.vbpr[k];
    const pct = (x: number) => fmtPct(x, { signed: true, digits: T3_DIGITS });
    v = {
      status: amrDrop < vbprDrop ? "holds" : "does not hold",
      statistic: `AMR ${pct(t.amr[k])} vs VBPR ${pct(t.vbpr[k])} (relative NDCG@10 change)`,
      ...(Math.abs(amrDrop - vbprDrop) < TINY_DIFF ? { qualifier: "difference < 0.1 pt" } : {}),
    };
  }
  return paper === undefined ? v : { ...v, paper };
}

function evalGradVsRand(rule: GradVsRandClaim, input: ClaimsInput): Verdict {
  const points: readonly PerturbationPoint[] = input.figures?.figure4?.points ?? [];
  const rand = new Map<number, number>();
  for (const p of points) if (p.kind === "rand" && p.eps > 0) rand.set(p.eps, p[rule.metric]);
  const pairs: [number, number, number][] = [];
  for (const p of points) {
    const r = rand.get(p.eps);
    if (p.kind === "grad" && r !== undefined) pairs.push([p.eps, p[rule.metric], r]);
  }
  if (pairs.length === 0) return NOT_MEASURED("Fig. 4 (grad and rand at a common ε)");
  pairs.sort((x, y) => x[0] - y[0]);
  const below = pairs.filter(([, g, r]) => g < r).length;
  const detail = pairs.map(([e, g, r]) => `ε=${e}: ${fmt(g)} vs ${fmt(r)}`).join("; ");
  return {
    status: below === pairs.length ? "holds" : "does not hold",
    statistic: `grad below rand at ${below} of ${pairs.length} ε (grad vs rand ` +
      `${rule.metric === "hr10" ? "HR@10" : "NDCG@10"}: ${detail})`,
  };
}

function evalDropGrows(rule: DropGrowsClaim, input: ClaimsInput, opts: ClaimsOptions): Verdict {
  const describe = (eps: readonly number[], change: readonly number[], digits: number) => {
    const order = eps.map((_, k) => k).sort((x, y) => eps[x] - eps[y]);
    return {
      order,
      text: order.map((k) => `${fmtPct(-change[k], { digits })} at ε=${eps[k]}`).join(" → "),
    };
  };
  const p = opts.paper?.table3;
  const paper = p === undefined ? undefined : `drop ${describe(p.eps, p[rule.model], 1).text}`;
  const t = input.table3;
  let v: Verdict;
  if (t === undefined || t.eps.length < 2) {
    v = NOT_MEASURED("Table 3 at two or more ε");
  } else {
    const { order, text } = describe(t.eps, t[rule.model], T3_DIGITS);
    const drops = order.map((k) => -t[rule.model][k]);
    const grows = drops.every((d, k) => k === 0 || d > drops[k - 1]);
    const tiny = drops.some((d, k) => k > 0 && Math.abs(d - drops[k - 1]) < TINY_DIFF);
    v = {
      status: grows ? "holds" : "does not hold",
      statistic: `drop ${text}`,
      ...(tiny ? { qualifier: "difference < 0.1 pt" } : {}),
    };
  }
  return paper === undefined ? v : { ...v, paper };
}

function evalControl(rule: ControlClaim, input: ClaimsInput, opts: ClaimsOptions): Verdict {
  const t = input.control?.overall;
  const k = t === undefined ? -1 : t.metrics.indexOf(rule.metric);
  if (t === undefined || k < 0 || !Number.isFinite(t.amr[k]) || !Number.isFinite(t.continued[k])) {
    return NOT_MEASURED(`VBPR-continued's evaluation (${metricTitle(rule.metric)})`);
  }
  const a = t.amr[k];
  const c = t.continued[k];
  let statistic = `AMR ${fmt(a)} vs VBPR-continued ${fmt(c)}`;
  const p = t.pContinued[k];
  const alpha = opts.alpha ?? input.control?.alpha ?? 0.05;
  const significant = p !== null && Number.isFinite(p) && p < alpha;
  statistic += p === null || !Number.isFinite(p)
    ? ", p undefined (paired t-test)"
    : `, ${fmtPClause(p)} (paired t-test, alpha ${alpha})`;
  if (a > c && !significant) statistic += "; higher but not significant";
  return { status: a > c && significant ? "holds" : "does not hold", statistic };
}

/**
 * Evaluates every claim of {@link CLAIMS} (or the given ones) on our results.
 *
 * @param input our Table 2 (overall, cold, warm), the lambda = 0 control, Table 3 and Figure 4
 *   data; absent parts make the claims that need them "not measured"
 * @param opts the paper's values to quote, significance level, claims to evaluate
 */
export function evaluateClaims(
  input: ClaimsInput,
  opts: ClaimsOptions & { claims?: readonly ClaimDefinition[] } = {},
): ClaimResult[] {
  return (opts.claims ?? CLAIMS).map((claim) => {
    const rule = claim.rule;
    let verdict: Verdict;
    switch (rule.kind) {
      case "order":
        verdict = evalOrder(rule, input, opts);
        break;
      case "coldWarm":
        verdict = evalColdWarm(rule, input, opts);
        break;
      case "robustAt":
        verdict = evalRobust(rule, input, opts);
        break;
      case "gradVsRand":
        verdict = evalGradVsRand(rule, input);
        break;
      case "dropGrows":
        verdict = evalDropGrows(rule, input, opts);
        break;
      case "control":
        verdict = evalControl(rule, input, opts);
        break;
    }
    return { ...claim, ...verdict };
  });
}
