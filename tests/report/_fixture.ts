/** Fake but complete report input for the report tests (numbers near the paper's Pinterest). */
import type { ControlTable, ReportInput, Table2Input } from "../../report/input.ts";
import type { CurvePoint, PerturbationPoint, RankChange } from "../../figures/specs.ts";

const METRICS = ["hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20"];
const METHODS = ["POP", "MF-eALS", "MF-BPR", "DUIF", "VBPR", "AMR"];

function table2(values: number[][], users: number): Table2Input {
  const ours = values[values.length - 1];
  return {
    users,
    ours: "AMR",
    methods: METHODS,
    metrics: METRICS,
    values,
    ri: values.map((row, r) =>
      r === values.length - 1
        ? null
        : ours.reduce((s, v, k) => s + (v - row[k]) / row[k], 0) / ours.length
    ),
    pValues: values.map((
      _,
      r,
    ) => (r === values.length - 1 ? METRICS.map(() => null) : METRICS.map(() => 0.003))),
    significant: METRICS.map(() => true),
    alpha: 0.05,
  };
}

function scaled(factor: number): number[][] {
  const base = [
    [0.0350, 0.0610, 0.0930, 0.0210, 0.0290, 0.0370],
    [0.1250, 0.1570, 0.1960, 0.0920, 0.1020, 0.1120],
    [0.1230, 0.1540, 0.1890, 0.0950, 0.1050, 0.1140],
    [0.1120, 0.1610, 0.2170, 0.0810, 0.0960, 0.1110],
    [0.1350, 0.1830, 0.2350, 0.1000, 0.1160, 0.1290],
    [0.1390, 0.2030, 0.2700, 0.1030, 0.1230, 0.1400],
  ];
  return base.map((row, r) => row.map((v) => (r === 5 ? v * factor : v)));
}

function control(users: number, amr: number[], continued: number[], vbpr: number[]): ControlTable {
  return {
    users,
    metrics: ["hr@10", "ndcg@10"],
    amr,
    continued,
    vbpr,
    pContinued: [0.012, 0.021],
    pVbpr: [0.003, 0.003],
  };
}

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

/** Builds the fake input. */
export function fakeReportInput(): ReportInput {
  const curves: CurvePoint[] = [];
  for (let e = 0; e <= 2000; e += 50) {
    const g = 1 - Math.exp(-e / 500);
    curves.push({ model: "AMR", epoch: e, hr10: 0.183 + 0.02 * g, ndcg10: 0.116 + 0.007 * g });
    curves.push({ model: "VBPR", epoch: e, hr10: 0.183 - 2e-6 * e, ndcg10: 0.116 - 1e-6 * e });
  }
  const eps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5];
  const points: PerturbationPoint[] = eps.flatMap((x) => [
    { kind: "rand" as const, eps: x, hr10: 0.183 - 0.02 * x, ndcg10: 0.116 - 0.01 * x },
    {
      kind: "grad" as const,
      eps: x,
      hr10: 0.183 * (1 - Math.min(0.9, 1.5 * x)),
      ndcg10: 0.116 * (1 - Math.min(0.9, 1.6 * x)),
    },
  ]);
  const r = rng(7);
  const rankChanges: RankChange[] = [];
  for (let u = 0; u < 3226; u++) {
    rankChanges.push({ model: "VBPR", change: Math.round(-Math.log(r()) * 40 - 5) });
    rankChanges.push({ model: "AMR", change: Math.round(-Math.log(r()) * 15 - 3) });
  }
  const prov = (stage: string, seed?: number) => [{
    stage,
    key: `sha256:${stage.padEnd(12, "0").slice(0, 12)}`,
    params: { dataset: "pinterest", eps: 0.1, lambda: 1 },
    ...(seed === undefined ? {} : { seed }),
    durationMs: 12345,
  }];
  return {
    title: "AMR reproduction: Pinterest",
    dataset: "pinterest",
    createdAt: "2025-01-01T00:00:00Z",
    run: { profile: "paper", command: "amr reproduce --profile paper", git: "abc1234" },
    environment: { deno: "2.9.6", os: "linux x86_64", cpus: "2" },
    figureSettings: { evalEvery: 50, rankEps: 0.1 },
    table1: {
      users: 3226,
      items: 4998,
      interactions: 9844,
      sparsity: 0.99939,
      coldTestShare: 0.31,
      coldTestItemShare: 0.52,
    },
    table2: {
      overall: table2(scaled(1), 3226),
      cold: table2(scaled(1.5), 1000),
      warm: table2(scaled(1.05), 2226),
    },
    control: {
      overall: control(3226, [0.203, 0.123], [0.19, 0.117], [0.183, 0.116]),
      cold: control(1000, [0.3, 0.18], [0.27, 0.16], [0.25, 0.15]),
      warm: control(2226, [0.19, 0.115], [0.185, 0.112], [0.18, 0.11]),
      alpha: 0.05,
      epochs: { vbpr: 2000, amr: 2000, continued: 2000 },
    },
    table3: { eps: [0.05, 0.1, 0.2], vbpr: [-0.05, -0.12, -0.3], amr: [-0.03, -0.06, -0.18] },
    figures: {
      figure3: { curves, mfLevel: { hr10: 0.1534, ndcg10: 0.1048 } },
      figure4: { points, clean: { hr10: 0.183, ndcg10: 0.116 } },
      figure5: { rankChanges },
      figure6: {
        points: [0.01, 0.1, 1, 10].map((e, k) => ({
          eps: e,
          hr10: [0.19, 0.203, 0.195, 0.12][k],
          ndcg10: [0.118, 0.123, 0.12, 0.08][k],
        })),
      },
      figure7: {
        points: [0.01, 0.1, 1, 10].map((l, k) => ({
          lambda: l,
          hr10: [0.19, 0.2, 0.203, 0.15][k],
          ndcg10: [0.118, 0.12, 0.123, 0.09][k],
        })),
      },
    },
    provenance: {
      table1: prov("table1"),
      table2: [...prov("train_vbpr", 1), ...prov("train_amr", 1), ...prov("table2")],
      table3: prov("perturb_test", 3),
      figure3: prov("figure3", 1),
      figure4: prov("perturb_test", 3),
      figure5: prov("perturb_test", 3),
      figure6: prov("sweep_eps", 1),
      figure7: prov("sweep_lambda", 1),
    },
    notes: {
      table3: "The adversary's gradient comes from the BPR loss on training triples (eq. 6).",
    },
  };
}
