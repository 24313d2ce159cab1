/**
 * Figures 3-7 across seeds: every replicate's plotted data (`figure_data.json` of its `plot`
 * node) combined into the data of `figures/seeds.ts`.
 *
 * Each plotted quantity (a curve point, a perturbation point, a sweep point, a reference level)
 * gets the mean over seeds and the {@link SEED_INTERVAL} of `seedStat`, the rule Tables 2 and 3
 * across seeds use, with the per-seed values. Points are matched across seeds by their key
 * (model and epoch, kind and eps, eps, lambda); every seed must have the same keys. Figure 5
 * keeps each seed's per-user rank changes apart: users are never pooled across seeds.
 *
 * @module
 */
import type { FigureData, MetricLevel } from "../figures/specs.ts";
import type { MetricSpread, SeedRankChanges, SeedsFigureData } from "../figures/seeds.ts";
import { SEED_INTERVAL, seedStat } from "./seeds.ts";

/** HR@10 and NDCG@10 over seeds of one level per seed. */
function levelSpread(levels: readonly MetricLevel[]): MetricSpread {
  return {
    hr10: seedStat(levels.map((l) => l.hr10)),
    ndcg10: seedStat(levels.map((l) => l.ndcg10)),
  };
}

/**
 * Matches the points of every seed by key and combines each key's metrics over seeds, in the
 * first seed's order.
 */
function combinePoints<P extends MetricLevel, K>(
  what: string,
  perSeed: readonly (readonly P[])[],
  seeds: readonly number[],
  key: (p: P) => string,
  keep: (p: P) => K,
): (K & MetricSpread)[] {
  const maps = perSeed.map((points, s) => {
    const m = new Map<string, P>();
    for (const p of points) {
      const k = key(p);
      if (m.has(k)) throw new Error(`${what}, seed ${seeds[s]}: point ${k} appears twice`);
      m.set(k, p);
    }
    return m;
  });
  const first = perSeed[0];
  maps.forEach((m, s) => {
    if (m.size !== first.length) {
      const extra = [...m.keys()].find((k) => !maps[0].has(k));
      throw new Error(
        `${what}: seed ${seeds[s]} has ${m.size} points, seed ${seeds[0]} has ${first.length}` +
          (extra ? ` (${extra} only in seed ${seeds[s]})` : ""),
      );
    }
  });
  return first.map((p) => {
    const k = key(p);
    const all = maps.map((m, s) => {
      const q = m.get(k);
      if (!q) throw new Error(`${what}: seed ${seeds[s]} has no point ${k}`);
      return q;
    });
    return { ...keep(p), ...levelSpread(all) };
  });
}

/**
 * The data of Figures 3-7 across seeds from each seed's plotted data. A figure is combined
 * when every seed has it and left out when none has.
 *
 * @param perSeed each replicate's `figure_data.json`, in seed order
 * @param seeds root seed of each replicate, same order (at least two)
 */
export function figureDataAcrossSeeds(
  perSeed: readonly FigureData[],
  seeds: readonly number[],
): SeedsFigureData {
  if (perSeed.length !== seeds.length || seeds.length < 2) {
    throw new Error(
      `figures across seeds: need one figure data per seed and at least two seeds, got ` +
        `${perSeed.length} for ${seeds.length} seeds`,
    );
  }
  const all = <T>(id: keyof FigureData): T[] | undefined => {
    const have = perSeed.filter((d) => d[id] !== undefined).length;
    if (have === 0) return undefined;
    if (have !== perSeed.length) {
      throw new Error(`figures across seeds: ${id} is in ${have} of ${perSeed.length} seeds`);
    }
    return perSeed.map((d) => d[id] as T);
  };
  const f3 = all<NonNullable<FigureData["figure3"]>>("figure3");
  const f4 = all<NonNullable<FigureData["figure4"]>>("figure4");
  const f5 = all<NonNullable<FigureData["figure5"]>>("figure5");
  const f6 = all<NonNullable<FigureData["figure6"]>>("figure6");
  const f7 = all<NonNullable<FigureData["figure7"]>>("figure7");
  return {
    seeds: [...seeds],
    interval: SEED_INTERVAL,
    ...(f3
      ? {
        figure3: {
          curves: combinePoints(
            "figure3",
            f3.map((f) => f.curves),
            seeds,
            (c) => `${c.model} epoch ${c.epoch}`,
            (c) => ({ model: c.model, epoch: c.epoch }),
          ),
          mfLevel: levelSpread(f3.map((f) => f.mfLevel)),
        },
      }
      : {}),
    ...(f4
      ? {
        figure4: {
          points: combinePoints(
            "figure4",
            f4.map((f) => f.points),
            seeds,
            (p) => `${p.kind} eps ${p.eps}`,
            (p) => ({ kind: p.kind, eps: p.eps }),
          ),
          clean: levelSpread(f4.map((f) => f.clean)),
        },
      }
      : {}),
    ...(f5 ? { figure5: { rankChanges: rankChangesBySeed(f5, seeds) } } : {}),
    ...(f6
      ? {
        figure6: {
          points: combinePoints(
            "figure6",
            f6.map((f) => f.points),
            seeds,
            (p) => `eps ${p.eps}`,
            (p) => ({ eps: p.eps }),
          ),
        },
      }
      : {}),
    ...(f7
      ? {
        figure7: {
          points: combinePoints(
            "figure7",
            f7.map((f) => f.points),
            seeds,
            (p) => `lambda ${p.lambda}`,
            (p) => ({ lambda: p.lambda }),
          ),
        },
      }
      : {}),
  };
}

/** Figure 5: per model (first seed's order), each seed's rank changes, kept apart. */
function rankChangesBySeed(
  perSeed: readonly NonNullable<FigureData["figure5"]>[],
  seeds: readonly number[],
): SeedRankChanges[] {
  const modelsOf = (f: NonNullable<FigureData["figure5"]>) => [
    ...new Set(f.rankChanges.map((r) => r.model)),
  ];
  const models = modelsOf(perSeed[0]);
  perSeed.forEach((f, s) => {
    if (modelsOf(f).sort().join() !== [...models].sort().join()) {
      throw new Error(
        `figure5: seed ${seeds[s]} has models ${modelsOf(f).join(", ")}, seed ${seeds[0]} has ${
          models.join(", ")
        }`,
      );
    }
  });
  return models.flatMap((model) =>
    perSeed.map((f, s) => {
      const changes = f.rankChanges.filter((r) => r.model === model).map((r) => r.change);
      if (changes.length === 0) {
        throw new Error(`figure5: seed ${seeds[s]} has no rank changes of ${model}`);
      }
      return { model, seed: seeds[s], changes };
    })
  );
}
