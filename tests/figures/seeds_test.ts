/** Figures 3-7 across seeds (`figures/seeds.ts`): layers, points, subtitle notes, rendering. */
import assert from "node:assert/strict";
import { compile } from "vega-lite";
import {
  figure3SeedsSpec,
  figure5SeedsSpec,
  figure6SeedsSpec,
  type SeedsFigureData,
  seedsFigureSpec,
  type Spread,
} from "../../figures/seeds.ts";
import { FIGURE_IDS } from "../../figures/registry.ts";
import { renderSpec, specToSvg } from "../../figures/render.ts";

type Json = Record<string, unknown>;

/** A spread with bounds mean -+ w and three seed values. */
function s(mean: number, w = 0.01): Spread {
  return { mean, lo: mean - w, hi: mean + w, values: [mean - w / 2, mean, mean + w / 2] };
}

/** The run's settings the titles name (curves evaluated every 5 epochs). */
const OPTS = { settings: { evalEvery: 5, rankEps: 0.1 } };

const LEVEL = { hr10: s(0.25), ndcg10: s(0.15) };
const DATA: SeedsFigureData = {
  seeds: [7, 8, 9],
  interval: "test interval (n - 1 df)",
  figure3: {
    curves: [0, 5, 10].flatMap((epoch) =>
      ["AMR", "VBPR"].map((model) => ({ model, epoch, hr10: s(0.3), ndcg10: s(0.2) }))
    ),
    mfLevel: LEVEL,
  },
  figure4: {
    points: [0.05, 0.1].flatMap((eps) =>
      (["rand", "grad"] as const).map((kind) => ({ kind, eps, hr10: s(0.3), ndcg10: s(0.2) }))
    ),
    clean: LEVEL,
  },
  figure5: {
    rankChanges: ["VBPR", "AMR"].flatMap((model) =>
      [7, 8, 9].map((seed) => ({ model, seed, changes: [0, 1, seed] }))
    ),
  },
  figure6: { points: [0.01, 0.1, 1].map((eps) => ({ eps, hr10: s(0.3), ndcg10: s(0.2) })) },
  figure7: { points: [0, 1].map((lambda) => ({ lambda, hr10: s(0.3), ndcg10: s(0.2) })) },
};

/** The layers of each metric panel of an hconcat spec. */
function layers(spec: unknown): Json[][] {
  return (spec as { hconcat: { layer: Json[] }[] }).hconcat.map((p) => p.layer);
}

function markType(l: Json): string {
  const m = l.mark as string | { type: string };
  return typeof m === "string" ? m : m.type;
}

function rows(l: Json): Json[] {
  return (l.data as { values: Json[] }).values;
}

Deno.test("figure3SeedsSpec: per panel a band (lo..hi), the mean line, one dot per seed", () => {
  const spec = figure3SeedsSpec(DATA.figure3!.curves, LEVEL, OPTS);
  const panels = layers(spec);
  assert.equal(panels.length, 2);
  for (const [k, field] of ["hr10", "ndcg10"].entries()) {
    const [band, line, dots] = panels[k];
    assert.equal(markType(band), "area");
    const enc = band.encoding as Record<string, { field: string }>;
    assert.equal(enc.y.field, `${field}Lo`);
    assert.equal(enc.y2.field, `${field}Hi`);
    // 3 epochs x 2 models; bounds are the spread's lo and hi.
    assert.equal(rows(band).length, 6);
    assert.ok(
      Math.abs((rows(band)[0][`${field}Hi`] as number) - (field === "hr10" ? 0.31 : 0.21)) < 1e-12,
    );
    assert.equal(markType(line), "line");
    assert.equal((line.encoding as Record<string, { field: string }>).y.field, field);
    assert.equal(rows(line).length, 6);
    assert.equal(markType(dots), "point");
    assert.equal(rows(dots).length, 18, "one dot per model, epoch and seed");
  }
  // Vega-Lite accepts it.
  compile(spec);
});

Deno.test("seedsFigureSpec: error bars in Figures 4, 6 and 7 with one bar per point", () => {
  const expected = { figure4: 4, figure6: 3, figure7: 2 } as const;
  for (const [id, n] of Object.entries(expected)) {
    const spec = seedsFigureSpec(id as keyof typeof expected, DATA, OPTS)!;
    for (const panel of layers(spec)) {
      const bars = panel.filter((l) => markType(l) === "errorbar");
      assert.equal(bars.length, 1, id);
      assert.equal(rows(bars[0]).length, n, id);
      const enc = bars[0].encoding as Record<string, { field: string }>;
      assert.match(enc.y.field, /Lo$/);
      assert.match(enc.y2.field, /Hi$/);
      const dots = panel.filter((l) => markType(l) === "point");
      assert.equal(rows(dots[0]).length, 3 * n, `${id}: a dot per point and seed`);
    }
    compile(spec);
  }
  // A swept zero keeps a symlog axis, as in the one-seed figures.
  assert.match(JSON.stringify(seedsFigureSpec("figure7", DATA, OPTS)), /"symlog"/);
  assert.match(JSON.stringify(figure6SeedsSpec(DATA.figure6!.points, OPTS)), /"type":"log"/);
});

Deno.test("figure5SeedsSpec: one box plot per model, one box per seed, users kept per seed", () => {
  const spec = figure5SeedsSpec(DATA.figure5!.rankChanges, OPTS) as unknown as {
    data: { values: { model: string; seed: string; change: number }[] };
    hconcat: { title: string; mark: { type: string; extent: string }; encoding: Json }[];
  };
  assert.deepEqual(spec.hconcat.map((p) => p.title), ["VBPR", "AMR"]);
  for (const p of spec.hconcat) {
    assert.equal(p.mark.type, "boxplot");
    assert.equal(p.mark.extent, "min-max");
    assert.equal((p.encoding.x as { field: string }).field, "seed");
  }
  assert.equal(spec.data.values.length, 2 * 3 * 3);
  assert.deepEqual(
    spec.data.values.filter((v) => v.model === "AMR" && v.seed === "seed 9").map((v) => v.change),
    [0, 1, 9],
  );
});

Deno.test("seedsFigureSpec: the subtitle says the seeds and what the band or bars are", () => {
  const title = (id: typeof FIGURE_IDS[number]) =>
    (seedsFigureSpec(id, DATA, { ...OPTS, dataset: "smoke" })!.title as { subtitle: string[] })
      .subtitle;
  assert.deepEqual(title("figure3"), [
    "dataset: smoke",
    "3 seeds (7, 8, 9): line = mean over seeds, dots = single seeds",
    "band: test interval (n - 1 df)",
  ]);
  assert.equal(title("figure6")[2], "error bars: test interval (n - 1 df)");
  assert.match(title("figure5")[1], /one box per seed .* users are not pooled across seeds/);
  for (const id of FIGURE_IDS) {
    assert.equal(seedsFigureSpec(id, { seeds: [1, 2], interval: "" }, OPTS), undefined);
  }
});

Deno.test("seeds figures render: band, bars, notes and legend in the SVG; a PNG", async () => {
  const svg3 = await specToSvg(seedsFigureSpec("figure3", DATA, { ...OPTS, dataset: "smoke" })!);
  for (const text of ["band: test interval", "3 seeds (7, 8, 9)", "AMR", "VBPR", "MF-BPR (mean)"]) {
    assert.ok(svg3.includes(text), `figure3 SVG lacks ${text}`);
  }
  // The band: one area mark per model and panel.
  assert.equal(svg3.match(/aria-roledescription="area mark"/g)?.length ?? 0, 4);
  const svg5 = await specToSvg(seedsFigureSpec("figure5", DATA, OPTS)!);
  for (const seed of ["seed 7", "seed 8", "seed 9"]) assert.ok(svg5.includes(seed), seed);
  const { png } = await renderSpec(seedsFigureSpec("figure4", DATA, OPTS)!, { scale: 1 });
  assert.deepEqual([...png.subarray(0, 4)], [137, 80, 78, 71]);
});
