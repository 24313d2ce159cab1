/**
 * The flat metric map of a run (`metrics.json`), what `amr check` compares with
 * `configs/expected/<dataset>-<profile>.json`. Names:
 *
 * - `table1.<stat>` (users, items, interactions, sparsity, coldTestShare, coldTestItemShare)
 * - `table2.<method>.<metric>` over all test users (method keys `pop`, `mf-eals`, `mf-bpr`,
 *   `duif`, `vbpr`, `amr`; metrics `hr@5` ... `ndcg@20`), `table2.<method>.ri`
 * - `control.vbpr-continued.<subset>.<metric>`: VBPR trained on from VBPR's weights for AMR's
 *   epochs with AMR's optimiser and no adversary (lambda = 0 control); subsets `overall`,
 *   `cold`, `warm`; metrics `hr@10`, `ndcg@10`
 * - `table3.<model>.eps=<e>` (relative NDCG@10 change); `table3.test.<model>.eps=<e>` under the
 *   worst-case test-loss adversary (not in the paper; only with `perturb.source: test`)
 * - `figure3.<model>.final.<metric>` (last evaluated epoch of AMR and continued VBPR)
 * - `figure4.<kind>.eps=<e>.<metric>`, `figure5.<model>.mean`, `figure5.<model>.worse`
 * - `figure6.eps=<v>.<metric>`, `figure7.lambda=<v>.<metric>`
 * - `diff.amr-vbpr.<metric>`: Table 2's AMR minus VBPR (overall users, every Table 2 metric);
 *   `diff.amr-control.<subset>.<metric>`: AMR minus the lambda = 0 control. The headline
 *   differences get expectations of their own: across seeds a difference moves far less than
 *   either side (they share the split, and AMR and the control share VBPR's weights and triples),
 *   so `check` tells a broken AMR from a working one by Table 2 itself.
 * - `claim.<id>`: each claim's verdict ({@link VERDICT_VALUE}: holds 1, inconclusive 0, fails
 *   -1; not measured is left out), so a verdict that changes fails `check`.
 *
 * Metrics that are not finite (e.g. an RI over an empty subset) are left out.
 *
 * @module
 */
import type { ReportInput } from "./input.ts";
import { methodKey } from "../config/methods.ts";
import type { ClaimStatus } from "./claims.ts";
import { reportClaims } from "./sections.ts";

/** A claim's verdict as the number `claim.<id>` publishes (not measured: no metric). */
export const VERDICT_VALUE: Readonly<Record<Exclude<ClaimStatus, "not measured">, number>> = {
  holds: 1,
  inconclusive: 0,
  fails: -1,
};

/**
 * The metric map of a report input.
 *
 * @param input report input
 * @returns metric name to value, names sorted
 */
export function reportMetrics(input: ReportInput): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (name: string, v: number | null | undefined) => {
    if (typeof v === "number" && Number.isFinite(v)) out[name] = v;
  };
  const t1 = input.table1;
  if (t1) {
    for (
      const k of [
        "users",
        "items",
        "interactions",
        "sparsity",
        "coldTestShare",
        "coldTestItemShare",
      ] as const
    ) {
      put(`table1.${k}`, t1[k]);
    }
  }
  const t2 = input.table2?.overall;
  if (t2) {
    t2.methods.forEach((m, r) => {
      const key = methodKey(m);
      t2.metrics.forEach((metric, c) => put(`table2.${key}.${metric}`, t2.values[r][c]));
      put(`table2.${key}.ri`, t2.ri?.[r]);
    });
  }
  if (t2) {
    const amr = t2.methods.findIndex((m) => methodKey(m) === "amr");
    const vbpr = t2.methods.findIndex((m) => methodKey(m) === "vbpr");
    if (amr >= 0 && vbpr >= 0) {
      t2.metrics.forEach((metric, c) =>
        put(`diff.amr-vbpr.${metric}`, t2.values[amr][c] - t2.values[vbpr][c])
      );
    }
  }
  for (const subset of ["overall", "cold", "warm"] as const) {
    const c = input.control?.[subset];
    c?.metrics.forEach((metric, k) => {
      put(`control.vbpr-continued.${subset}.${metric}`, c.continued[k]);
      put(`diff.amr-control.${subset}.${metric}`, c.amr[k] - c.continued[k]);
    });
  }
  for (const claim of reportClaims(input)) {
    if (claim.status !== "not measured") put(`claim.${claim.id}`, VERDICT_VALUE[claim.status]);
  }
  const t3 = input.table3;
  if (t3) {
    t3.eps.forEach((e, k) => {
      put(`table3.vbpr.eps=${e}`, t3.vbpr[k]);
      put(`table3.amr.eps=${e}`, t3.amr[k]);
      put(`table3.test.vbpr.eps=${e}`, t3.test?.vbpr[k]);
      put(`table3.test.amr.eps=${e}`, t3.test?.amr[k]);
    });
  }
  const f = input.figures;
  if (f?.figure3) {
    for (const model of new Set(f.figure3.curves.map((c) => c.model))) {
      const pts = f.figure3.curves.filter((c) => c.model === model);
      const last = pts.reduce((a, b) => (b.epoch > a.epoch ? b : a));
      put(`figure3.${methodKey(model)}.final.hr@10`, last.hr10);
      put(`figure3.${methodKey(model)}.final.ndcg@10`, last.ndcg10);
    }
  }
  for (const p of f?.figure4?.points ?? []) {
    put(`figure4.${p.kind}.eps=${p.eps}.hr@10`, p.hr10);
    put(`figure4.${p.kind}.eps=${p.eps}.ndcg@10`, p.ndcg10);
  }
  if (f?.figure5) {
    for (const model of new Set(f.figure5.rankChanges.map((r) => r.model))) {
      const xs = f.figure5.rankChanges.filter((r) => r.model === model).map((r) => r.change);
      put(`figure5.${methodKey(model)}.mean`, xs.reduce((a, b) => a + b, 0) / xs.length);
      put(`figure5.${methodKey(model)}.worse`, xs.filter((x) => x > 0).length / xs.length);
    }
  }
  for (const p of f?.figure6?.points ?? []) {
    put(`figure6.eps=${p.eps}.hr@10`, p.hr10);
    put(`figure6.eps=${p.eps}.ndcg@10`, p.ndcg10);
  }
  for (const p of f?.figure7?.points ?? []) {
    put(`figure7.lambda=${p.lambda}.hr@10`, p.hr10);
    put(`figure7.lambda=${p.lambda}.ndcg@10`, p.ndcg10);
  }
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
}
