/**
 * Evaluates the paper's claims (`claims.ts`) on our results, with a statistical test fit for
 * each quantity:
 *
 * - a difference of two methods' metric on the same users (Table 2 orderings, the lambda = 0
 *   control): paired two-sided t-test over users, with the 95% t-interval of the mean
 *   difference;
 * - a difference of relative changes (AMR's gain over VBPR on cold vs warm items; AMR's vs
 *   VBPR's relative NDCG@10 drop; the drop at a larger eps vs a smaller one): paired bootstrap
 *   over users (every quantity of a user moves together; cold and warm users are resampled
 *   within their own group), 95% percentile interval and a two-sided bootstrap p-value;
 * - "at every eps" (Figure 4, Table 3's growth): one test per eps; holds when every one is
 *   significant in the claimed direction (an intersection-union test needs no correction),
 *   fails when one is significant against it at alpha / m (Bonferroni over the m radii); the
 *   p shown for a failure is the one compared with alpha, m times the smallest p against.
 *
 * Every verdict is that of its own test, unadjusted for the checklist's other tests; each
 * claim's p is also given Holm-adjusted over every claim with a p (`pHolm`), and each result
 * says how many tests it ran (`tests`).
 *
 * Each rule kind has one evaluator; {@link evaluateClaims} switches on the kind.
 *
 * @module
 */

import type { ReportInput, Table2Input, UserValues } from "./input.ts";
import type { PaperValues } from "../config/paper.ts";
import { fmt, fmtDiff, fmtP, fmtPClause, fmtPct, metricTitle } from "../tables/numbers.ts";
import { CONTROL, methodKey, methodName, OURS } from "../config/methods.ts";
import { ALPHA } from "../config/protocol.ts";
import { tuningVerdict } from "./tuning.ts";
import {
  type BootstrapResult,
  directionalVerdict,
  holmAdjust,
  pairedBootstrap,
  pairedTTest,
  tInterval,
} from "../models/significance.ts";
import { hashLabel, Rng } from "../pipeline/stage/mod.ts";
import {
  type ClaimDefinition,
  type ClaimResult,
  CLAIMS,
  type ColdWarmClaim,
  type ControlClaim,
  type DropGrowsClaim,
  type GradVsRandClaim,
  type OrderClaim,
  type RobustClaim,
} from "./claims.ts";

/** Our results the claims read (parts of {@link ReportInput}). */
export type ClaimsInput = Pick<
  ReportInput,
  "table2" | "table3" | "figures" | "control" | "users" | "tuning"
>;

/** Options of {@link evaluateClaims}. */
export interface ClaimsOptions {
  /** The paper's values for the dataset (to quote beside ours). */
  readonly paper?: PaperValues;
  /** Significance level of every test (default: the table's, else `ALPHA`). */
  readonly alpha?: number;
  /** Bootstrap resamples (default {@link DEFAULT_RESAMPLES}). */
  readonly resamples?: number;
}

/** Bootstrap resamples of a claim's test unless the options say otherwise. */
export const DEFAULT_RESAMPLES = 2000;

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

type Verdict = Omit<ClaimResult, keyof ClaimDefinition>;

/** Table 3 changes in the claims: two decimals, so that close drops can be told apart. */
const T3_DIGITS = 2;

const NOT_MEASURED = (what: string): Verdict => ({
  status: "not measured",
  statistic: `${what} not produced in this run`,
});

function withPaper(v: Verdict, paper: string | undefined): Verdict {
  return paper === undefined ? v : { ...v, paper };
}

function alphaOf(input: ClaimsInput, opts: ClaimsOptions): number {
  return opts.alpha ?? input.table2?.overall?.alpha ?? ALPHA;
}

function pct(v: number, digits = T3_DIGITS): string {
  return fmtPct(v, { signed: true, digits });
}

function ciText(lo: number, hi: number, show: (v: number) => string): string {
  return Number.isFinite(lo) && Number.isFinite(hi) ? `95% CI [${show(lo)}, ${show(hi)}]` : "";
}

/** One metric column of a method's per-user matrix (NaN where the user has no target). */
function column(u: UserValues, method: string, metric: string): Float32Array | undefined {
  const data = u.methods[method];
  const c = u.metrics.indexOf(metric);
  if (data === undefined || c < 0) return undefined;
  const width = u.metrics.length;
  const users = data.length / width;
  const out = new Float32Array(users);
  for (let i = 0; i < users; i++) out[i] = data[i * width + c];
  return out;
}

/** Users for which every array is finite. */
function finiteUsers(arrays: readonly ArrayLike<number>[], n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (arrays.every((a) => Number.isFinite(a[i]))) out.push(i);
  return out;
}

function meanOver(a: ArrayLike<number>, users: readonly number[]): number {
  let s = 0;
  for (const u of users) s += a[u];
  return users.length > 0 ? s / users.length : NaN;
}

function bootstrapRng(u: UserValues, label: string): Rng {
  return new Rng(((u.seed ?? 0) ^ hashLabel(label)) >>> 0 || 1);
}

/** A paired t-test of `a - b` over the users where both are finite (claimed: a > b). */
function tTestVerdict(
  names: [string, string],
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  alpha: number,
): Verdict {
  const users = finiteUsers([a, b], a.length);
  const x = Float64Array.from(users, (i) => a[i]);
  const y = Float64Array.from(users, (i) => b[i]);
  const t = pairedTTest(x, y);
  const [lo, hi] = tInterval(t.meanDiff, t.sdDiff, t.n);
  const ci = ciText(lo, hi, (v) => fmtDiff(v));
  return {
    status: directionalVerdict(t.meanDiff, t.p, alpha),
    statistic: `${names[0]} ${fmt(meanOver(a, users))} vs ${names[1]} ${fmt(meanOver(b, users))}` +
      `, difference ${fmtDiff(t.meanDiff)}${ci ? ` (${ci})` : ""}, ${fmtPClause(t.p)}`,
    test: `paired t-test over ${t.n} users (two-sided, alpha ${alpha})`,
    tests: Number.isFinite(t.p) ? 1 : 0,
    ...(Number.isFinite(t.p) ? { p: t.p } : {}),
    ...(Number.isFinite(lo) ? { interval: [lo, hi] as const } : {}),
  };
}

/** A verdict from a Table's p-value when the per-user values are absent. */
function tableVerdict(
  statistic: string,
  diff: number,
  p: number | null | undefined,
  alpha: number,
) {
  if (p === null || p === undefined || !Number.isFinite(p)) {
    return {
      status: "inconclusive" as const,
      statistic: `${statistic}; no per-user values, no test`,
    };
  }
  return {
    status: directionalVerdict(diff, p, alpha),
    statistic: `${statistic}, ${fmtPClause(p)}`,
    test: `paired t-test over users (two-sided, alpha ${alpha}; from the table)`,
    tests: 1,
    p,
  };
}

function evalOrder(rule: OrderClaim, input: ClaimsInput, opts: ClaimsOptions): Verdict {
  const table = input.table2?.overall;
  const pa = paperValue(opts.paper, rule.better, rule.metric);
  const pb = paperValue(opts.paper, rule.worse, rule.metric);
  const paper = pa !== undefined && pb !== undefined ? `${fmt(pa)} vs ${fmt(pb)}` : undefined;
  const alpha = alphaOf(input, opts);
  const names: [string, string] = [methodName(rule.better), methodName(rule.worse)];
  const u = input.users;
  const a = u && column(u, rule.better, rule.metric);
  const b = u && column(u, rule.worse, rule.metric);
  if (a && b) return withPaper(tTestVerdict(names, a, b, alpha), paper);
  const va = valueOf(table, rule.better, rule.metric);
  const vb = valueOf(table, rule.worse, rule.metric);
  if (table === undefined || va === undefined || vb === undefined) {
    return withPaper(NOT_MEASURED(`Table 2 (${names[0]}, ${names[1]})`), paper);
  }
  // Table 2's p-values are of "ours" against each row.
  const ours = methodKey(table.ours ?? OURS.name);
  const p = rule.better === ours
    ? table.pValues?.[rowOf(table, rule.worse)]?.[table.metrics.indexOf(rule.metric)]
    : undefined;
  return withPaper(
    tableVerdict(`${names[0]} ${fmt(va)} vs ${names[1]} ${fmt(vb)}`, va - vb, p, alpha),
    paper,
  );
}

function evalControl(rule: ControlClaim, input: ClaimsInput, opts: ClaimsOptions): Verdict {
  const alpha = opts.alpha ?? input.control?.alpha ?? ALPHA;
  const names: [string, string] = [OURS.name, CONTROL.name];
  const u = input.users;
  const a = u && column(u, OURS.key, rule.metric);
  const c = u && column(u, CONTROL.key, rule.metric);
  if (a && c) return tTestVerdict(names, a, c, alpha);
  const t = input.control?.overall;
  const k = t === undefined ? -1 : t.metrics.indexOf(rule.metric);
  if (t === undefined || k < 0 || !Number.isFinite(t.amr[k]) || !Number.isFinite(t.continued[k])) {
    return NOT_MEASURED(`${names[1]}'s evaluation (${metricTitle(rule.metric)})`);
  }
  return tableVerdict(
    `${names[0]} ${fmt(t.amr[k])} vs ${names[1]} ${fmt(t.continued[k])}`,
    t.amr[k] - t.continued[k],
    t.pContinued[k],
    alpha,
  );
}

/** How a bootstrap verdict is tested and shown. */
interface BootstrapVerdictOptions {
  /** Significance level. */
  readonly alpha: number;
  /** Formats the estimate and the interval's bounds. */
  readonly show: (v: number) => string;
  /** Resamples drawn. */
  readonly resamples: number;
  /** Which users were resampled, in words. */
  readonly users: string;
}

function bootstrapVerdict(
  b: BootstrapResult,
  opts: BootstrapVerdictOptions,
): Pick<Verdict, "status" | "test" | "p" | "interval" | "tests"> & { detail: string } {
  const { alpha, show, resamples, users } = opts;
  const ci = ciText(b.lo, b.hi, show);
  return {
    status: directionalVerdict(b.estimate, b.p, alpha),
    detail: `difference ${show(b.estimate)}${ci ? ` (${ci})` : ""}, ${fmtPClause(b.p)}`,
    test: `paired bootstrap over ${users} (${resamples} resamples, percentile interval, ` +
      `two-sided, alpha ${alpha})`,
    tests: Number.isFinite(b.p) ? 1 : 0,
    ...(Number.isFinite(b.p) ? { p: b.p } : {}),
    ...(Number.isFinite(b.lo) ? { interval: [b.lo, b.hi] as const } : {}),
  };
}

function sumOver(a: ArrayLike<number>, idx: Int32Array): number {
  let s = 0;
  for (let i = 0; i < idx.length; i++) s += a[idx[i]];
  return s;
}

function evalColdWarm(
  claim: ClaimDefinition,
  rule: ColdWarmClaim,
  input: ClaimsInput,
  opts: ClaimsOptions,
): Verdict {
  const pc = opts.paper?.coldWarm?.cold[rule.metric];
  const pw = opts.paper?.coldWarm?.warm[rule.metric];
  const paper = pc !== undefined && pw !== undefined
    ? `cold ${fmtPct(pc, { signed: true })} vs warm ${fmtPct(pw, { signed: true })}`
    : undefined;
  const u = input.users;
  const a = u && column(u, "amr", rule.metric);
  const v = u && column(u, "vbpr", rule.metric);
  if (!u || !a || !v) return withPaper(NOT_MEASURED("Per-user AMR and VBPR values"), paper);
  const users = finiteUsers([a, v], a.length);
  const cold = users.filter((i) => u.cold[i] === 1);
  const warm = users.filter((i) => u.cold[i] !== 1);
  const vCold = meanOver(v, cold);
  const vWarm = meanOver(v, warm);
  if (cold.length === 0 || warm.length === 0 || !(vCold > 0) || !(vWarm > 0)) {
    return withPaper({
      status: "not measured",
      statistic: `VBPR's ${metricTitle(rule.metric)} is 0 (or no users) on cold (AMR ` +
        `${fmt(meanOver(a, cold))}) or warm items: relative gain undefined`,
    }, paper);
  }
  const gain = (idx: Int32Array) => sumOver(a, idx) / sumOver(v, idx) - 1;
  const alpha = alphaOf(input, opts);
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const b = pairedBootstrap([cold, warm], (s) => gain(s[0]) - gain(s[1]), {
    rng: bootstrapRng(u, claim.id),
    resamples,
  });
  const gc = meanOver(a, cold) / vCold - 1;
  const gw = meanOver(a, warm) / vWarm - 1;
  const r = bootstrapVerdict(b, {
    alpha,
    show: (x) => pct(x, 1),
    resamples,
    users: `${cold.length} cold and ${warm.length} warm users, each group resampled within itself`,
  });
  return withPaper({
    status: r.status,
    statistic: `AMR over VBPR: cold ${pct(gc, 1)} vs warm ${pct(gw, 1)}; ${r.detail}`,
    test: r.test,
    tests: r.tests,
    ...(r.p === undefined ? {} : { p: r.p }),
    ...(r.interval === undefined ? {} : { interval: r.interval }),
  }, paper);
}

function epsIndex(eps: readonly number[], value: number): number {
  return eps.findIndex((e) => Math.abs(e - value) <= 1e-9 * Math.max(1, Math.abs(value)));
}

/** Relative drop `1 - sum(attacked) / sum(clean)` over drawn users. */
function dropOf(clean: Float32Array, attacked: Float32Array, idx: Int32Array): number {
  return 1 - sumOver(attacked, idx) / sumOver(clean, idx);
}

function robustUsers(r: NonNullable<UserValues["robustness"]>): number[] {
  const arrays = [r.vbpr.clean, r.amr.clean, ...r.vbpr.attacked, ...r.amr.attacked];
  return finiteUsers(arrays, r.vbpr.clean.length);
}

function evalRobust(
  claim: ClaimDefinition,
  rule: RobustClaim,
  input: ClaimsInput,
  opts: ClaimsOptions,
): Verdict {
  const p = opts.paper?.table3;
  const pk = p === undefined ? -1 : epsIndex(p.eps, rule.eps);
  const paper = p !== undefined && pk >= 0
    ? `AMR ${fmtPct(p.amr[pk], { signed: true })} vs VBPR ${fmtPct(p.vbpr[pk], { signed: true })}`
    : undefined;
  const u = input.users;
  const r = u?.robustness;
  const k = r === undefined ? -1 : epsIndex(r.eps, rule.eps);
  if (!u || !r || k < 0) {
    return withPaper(NOT_MEASURED(`Per-user NDCG@10 under attack at ε = ${rule.eps}`), paper);
  }
  const users = robustUsers(r);
  const stat = (idx: Int32Array) =>
    dropOf(r.vbpr.clean, r.vbpr.attacked[k], idx) - dropOf(r.amr.clean, r.amr.attacked[k], idx);
  const alpha = alphaOf(input, opts);
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const b = pairedBootstrap([users], (s) => stat(s[0]), {
    rng: bootstrapRng(u, claim.id),
    resamples,
  });
  const all = Int32Array.from(users);
  const res = bootstrapVerdict(b, {
    alpha,
    show: (x) => pct(x),
    resamples,
    users: `${users.length} users`,
  });
  return withPaper({
    status: res.status,
    statistic: `relative NDCG@10 change AMR ${pct(-dropOf(r.amr.clean, r.amr.attacked[k], all))}` +
      ` vs VBPR ${pct(-dropOf(r.vbpr.clean, r.vbpr.attacked[k], all))}; VBPR's drop minus ` +
      `AMR's: ${res.detail}`,
    test: res.test,
    tests: res.tests,
    ...(res.p === undefined ? {} : { p: res.p }),
    ...(res.interval === undefined ? {} : { interval: res.interval }),
  }, paper);
}

/**
 * Combines per-eps verdicts of an "at every eps" claim (see the module comment). The p it
 * returns is the one the verdict compared with alpha: the largest per-eps p (the
 * intersection-union test of "every eps") unless the claim fails; then the smallest p against
 * the claim times m (Bonferroni over the m radii, the same as comparing it with alpha / m).
 * The text shows every per-eps test and, when some eps goes against the claim, that comparison.
 */
function everyEps(
  parts: { label: string; estimate: number; p: number; text: string }[],
  alpha: number,
): Pick<Verdict, "status" | "p" | "tests"> & { text: string } {
  const m = parts.length;
  const holds = parts.every((q) => directionalVerdict(q.estimate, q.p, alpha) === "holds");
  // The fails rule compares each p against the claim with alpha / m, i.e. m p with alpha.
  const against = parts.filter((q) => q.estimate < 0 && Number.isFinite(q.p));
  const minAgainst = against.length > 0 ? Math.min(...against.map((q) => q.p)) : NaN;
  const pAgainst = Math.min(1, m * minAgainst);
  const fails = !holds && directionalVerdict(-1, minAgainst, alpha / m) === "fails";
  const status = holds ? "holds" : fails ? "fails" : "inconclusive";
  const p = fails ? pAgainst : Math.max(...parts.map((q) => q.p));
  const rule = against.length === 0 ? "" : `; fails rule: smallest p against the claim ` +
    `${fmtP(minAgainst)} x ${m} = ${fmtP(pAgainst)} (Bonferroni over ${m} ε) vs alpha ${alpha}`;
  return {
    status,
    tests: parts.filter((q) => Number.isFinite(q.p)).length,
    ...(Number.isFinite(p) ? { p } : {}),
    text: parts.map((q) => `${q.label}: ${q.text}`).join("; ") + rule,
  };
}

function evalGradVsRand(rule: GradVsRandClaim, input: ClaimsInput, opts: ClaimsOptions): Verdict {
  const f = input.users?.robustness?.figure4;
  if (!f || f.eps.length === 0 || rule.metric !== "ndcg10") {
    return NOT_MEASURED("Per-user Fig. 4 values (grad and rand at a common ε)");
  }
  const alpha = alphaOf(input, opts);
  const order = f.eps.map((_, k) => k).sort((x, y) => f.eps[x] - f.eps[y]);
  const parts = order.map((k) => {
    const users = finiteUsers([f.grad[k], f.rand[k]], f.grad[k].length);
    const g = Float64Array.from(users, (i) => f.grad[k][i]);
    const r = Float64Array.from(users, (i) => f.rand[k][i]);
    const t = pairedTTest(r, g);
    return {
      label: `ε=${f.eps[k]}`,
      estimate: t.meanDiff,
      p: t.p,
      text: `grad ${fmt(meanOver(f.grad[k], users))} vs rand ${fmt(meanOver(f.rand[k], users))}` +
        `, ${fmtPClause(t.p)}`,
    };
  });
  const v = everyEps(parts, alpha);
  return {
    status: v.status,
    statistic: `VBPR NDCG@10 under grad vs rand: ${v.text}`,
    test: `paired t-test over users per ε (two-sided, alpha ${alpha}; holds: significant at ` +
      `every ε; fails: significant against at some ε at alpha/${parts.length})`,
    tests: v.tests,
    ...(v.p === undefined ? {} : { p: v.p }),
  };
}

function evalDropGrows(
  claim: ClaimDefinition,
  rule: DropGrowsClaim,
  input: ClaimsInput,
  opts: ClaimsOptions,
): Verdict {
  const describe = (eps: readonly number[], change: readonly number[], digits: number) =>
    eps.map((_, k) => k).sort((x, y) => eps[x] - eps[y])
      .map((k) => `${fmtPct(-change[k], { digits })} at ε=${eps[k]}`).join(" → ");
  const p = opts.paper?.table3;
  const paper = p === undefined ? undefined : `drop ${describe(p.eps, p[rule.model], 1)}`;
  const u = input.users;
  const r = u?.robustness;
  if (!u || !r || r.eps.length < 2) {
    return withPaper(NOT_MEASURED("Per-user NDCG@10 under attack at two or more ε"), paper);
  }
  const m = r[rule.model];
  const users = robustUsers(r);
  const all = Int32Array.from(users);
  const order = r.eps.map((_, k) => k).sort((x, y) => r.eps[x] - r.eps[y]);
  const alpha = alphaOf(input, opts);
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const parts = order.slice(1).map((k, j) => {
    const prev = order[j];
    const b = pairedBootstrap(
      [users],
      (s) => dropOf(m.clean, m.attacked[k], s[0]) - dropOf(m.clean, m.attacked[prev], s[0]),
      { rng: bootstrapRng(u, `${claim.id}@${r.eps[k]}`), resamples },
    );
    return {
      label: `ε ${r.eps[prev]} → ${r.eps[k]}`,
      estimate: b.estimate,
      p: b.p,
      text: `${pct(b.estimate)} ${ciText(b.lo, b.hi, (x) => pct(x))}, ${fmtPClause(b.p)}`,
    };
  });
  const v = everyEps(parts, alpha);
  const drops = describe(r.eps, r.eps.map((_, k) => -dropOf(m.clean, m.attacked[k], all)), 2);
  return withPaper({
    status: v.status,
    statistic: `drop ${drops}; growth ${v.text}`,
    test: `paired bootstrap over ${users.length} users per step of ε (${resamples} resamples; ` +
      `holds: every step significant, fails: one significant against at alpha/${parts.length})`,
    tests: v.tests,
    ...(v.p === undefined ? {} : { p: v.p }),
  }, paper);
}

/**
 * Evaluates every claim of {@link CLAIMS} (or the given ones) on our results.
 *
 * @param input our Table 2, the lambda = 0 control, Table 3, Figure 4 data and the per-user
 *   values behind them; claims whose values are absent are "not measured"
 * @param opts the paper's values to quote, significance level, resamples, claims to evaluate
 */
export function evaluateClaims(
  input: ClaimsInput,
  opts: ClaimsOptions & { claims?: readonly ClaimDefinition[] } = {},
): ClaimResult[] {
  const results = (opts.claims ?? CLAIMS).map((claim): ClaimResult => {
    const rule = claim.rule;
    let verdict: Verdict;
    switch (rule.kind) {
      case "order":
        verdict = evalOrder(rule, input, opts);
        break;
      case "coldWarm":
        verdict = evalColdWarm(claim, rule, input, opts);
        break;
      case "robustAt":
        verdict = evalRobust(claim, rule, input, opts);
        break;
      case "gradVsRand":
        verdict = evalGradVsRand(rule, input, opts);
        break;
      case "dropGrows":
        verdict = evalDropGrows(claim, rule, input, opts);
        break;
      case "control":
        verdict = evalControl(rule, input, opts);
        break;
      case "tuning":
        verdict = tuningVerdict(input.tuning);
        break;
    }
    return { tests: 0, ...claim, ...verdict };
  });
  // Multiplicity, disclosed: each claim's p Holm-adjusted over every claim with a p. The
  // verdicts stay those of the claim's own test (the tally says they are unadjusted).
  const holm = holmAdjust(results.map((c) => c.p ?? NaN));
  return results.map((c, i) => Number.isFinite(holm[i]) ? { ...c, pHolm: holm[i] } : c);
}
