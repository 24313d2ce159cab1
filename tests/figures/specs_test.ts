import assert from "node:assert/strict";
import { compile } from "vega-lite";
import {
  figure3Spec,
  figure4Spec,
  figure5Spec,
  figure6Spec,
  figure7Spec,
  figureSpec,
} from "../../figures/specs.ts";
import { FIGURE_IDS } from "../../figures/registry.ts";
import { specToSvg } from "../../figures/render.ts";

const CURVES = [
  { model: "AMR", epoch: 0, hr10: 0.18, ndcg10: 0.11 },
  { model: "AMR", epoch: 50, hr10: 0.19, ndcg10: 0.12 },
  { model: "VBPR", epoch: 0, hr10: 0.18, ndcg10: 0.11 },
  { model: "VBPR", epoch: 50, hr10: 0.179, ndcg10: 0.109 },
];
const PERTURB = [
  { kind: "rand" as const, eps: 0.05, hr10: 0.18, ndcg10: 0.11 },
  { kind: "grad" as const, eps: 0.05, hr10: 0.15, ndcg10: 0.09 },
  { kind: "rand" as const, eps: 0.1, hr10: 0.179, ndcg10: 0.109 },
  { kind: "grad" as const, eps: 0.1, hr10: 0.12, ndcg10: 0.07 },
];

/** The paper's settings: evaluated every 50 epochs, Figure 5 at eps = 0.1. */
const OPTS = { settings: { evalEvery: 50, rankEps: 0.1 } };

function assertIncludes(text: string, part: string): void {
  assert.ok(text.includes(part), `missing ${JSON.stringify(part)}`);
}

Deno.test("figure3Spec: two panels with HR@10 / NDCG@10, model legend, MF-BPR line", async () => {
  const spec = figure3Spec(CURVES, { hr10: 0.15, ndcg10: 0.1 }, { ...OPTS, dataset: "pinterest" });
  const svg = await specToSvg(spec);
  for (const text of ["Fig. 3", "HR@10", "NDCG@10", "Epoch", "AMR", "VBPR", "MF-BPR"]) {
    assertIncludes(svg, text);
  }
  assertIncludes(svg, "dataset: pinterest");
});

Deno.test("figure4Spec: rand/grad series, clean line, log eps axis", async () => {
  const spec = figure4Spec(PERTURB, { hr10: 0.183, ndcg10: 0.116 }, OPTS);
  const vg = JSON.stringify(compile(spec).spec);
  assertIncludes(vg, '"type":"log"');
  const svg = await specToSvg(spec);
  for (const text of ["VBPR-rand", "VBPR-grad", "VBPR (clean)", "ε"]) {
    assertIncludes(svg, text);
  }
});

Deno.test("figure5Spec: one histogram + box plot per model, in data order", async () => {
  const changes = [
    ...[0, 5, 10, 40, 100].map((change) => ({ model: "VBPR", change })),
    ...[-1, 0, 1, 3, 8].map((change) => ({ model: "AMR", change })),
  ];
  const svg = await specToSvg(figure5Spec(changes, OPTS));
  assert(svg.indexOf(">VBPR<") < svg.indexOf(">AMR<"));
  assertIncludes(svg, "Rank change");
  assertIncludes(svg, "Users");
});

Deno.test("figure6Spec/figure7Spec: log axis when positive, symlog when a zero is swept", () => {
  const eps = figure6Spec([
    { eps: 0.01, hr10: 0.19, ndcg10: 0.11 },
    { eps: 1, hr10: 0.2, ndcg10: 0.12 },
  ], OPTS);
  assertIncludes(JSON.stringify(eps), '"type":"log"');
  const lambda = figure7Spec([
    { lambda: 0, hr10: 0.18, ndcg10: 0.11 },
    { lambda: 1, hr10: 0.2, ndcg10: 0.12 },
  ], OPTS);
  assertIncludes(JSON.stringify(lambda), '"type":"symlog"');
  assertIncludes(JSON.stringify(lambda), "λ");
});

Deno.test("figureSpec: undefined for missing data, a spec for present data", () => {
  for (const id of FIGURE_IDS) assert.deepEqual(figureSpec(id, {}, OPTS), undefined);
  assert(figureSpec("figure6", { figure6: { points: [] } }, OPTS) !== undefined);
});
