/**
 * Stage `dataset`: produces the raw data of one dataset configuration:
 * `interactions.csv` (`user,item` with raw ids; item = row of `features.npy`) and
 * `features.npy` (float32 `[items, D]`).
 *
 * Synthetic generator (deterministic given the stage's rng):
 * - Items get a Zipf popularity weight (random rank), a visual topic and a collaborative
 *   (non-visual) topic, drawn independently.
 * - Each user has a few favourite visual topics and a few favourite collaborative topics
 *   (with `topicNesting: "nested"`, collaborative topics are boards inside visual topics and
 *   each favourite board lies in the matching favourite visual topic).
 *   An interaction is, with probability `popularityShare`, a popularity-weighted draw over all
 *   items; otherwise a popularity-weighted draw inside one favourite topic, visual with
 *   probability `visualShare` and collaborative otherwise. So the visual topic of an item (which
 *   the features reveal) predicts which users take it, also for items unseen in training, while
 *   the collaborative topic is learnable from interactions only, and POP is a real baseline.
 * - Features imitate ResNet pool5 outputs: `scale_i * relu(W v_i + bias + noise)`, with `v_i`
 *   the item's visual latent (its topic centre plus noise), `W` a fixed random projection and
 *   `scale_i` lognormal (heavy-tailed). They are streamed to disk in chunks of rows.
 * - User activity: `minPerUser` plus a lognormal-mixed exponential extra, adjusted so the
 *   active users hold exactly `interactions`; `lowActivityUsers` more users get fewer than
 *   `minPerUser` interactions and are removed by `filter-users`, as are items nobody took.
 *
 * Data-dir datasets: `interactions.csv` or `interactions.tsv` and `features.npy` are validated
 * (bad lines give errors naming file and line) and written in the canonical form.
 */
import { defineStage, type Progress, type Rng } from "../pipeline/stage/mod.ts";
import { NpyRowWriter, openNpyRows, readNpyHeader } from "../io/npy.ts";
import {
  type DataDirConfig,
  datasetConfigSchema,
  type SyntheticConfig,
} from "../config/dataset.ts";
import { readRawInteractions, writeRawInteractions } from "../io/interactions.ts";

/** Summary returned by the dataset stage (recorded in the manifest). */
export interface DatasetSummary {
  /** Users in interactions.csv. */
  users: number;
  /** Lines of interactions.csv. */
  interactions: number;
  /** Rows of features.npy. */
  featureRows: number;
  /** Feature dimension. */
  dim: number;
  [key: string]: unknown;
}

/** The dataset stage. Params: a dataset configuration (see `config/dataset.ts`). */
export const stage = defineStage({
  name: "dataset",
  module: import.meta.url,
  params: datasetConfigSchema,
  inputs: [],
  outputs: ["interactions.csv", "features.npy"],
  async run(ctx): Promise<DatasetSummary> {
    const cfg = ctx.params;
    if (cfg.kind === "data-dir") return await importDataDir(cfg, ctx.outDir, ctx.log);
    if (cfg.kind === "authors-split") {
      throw new Error(
        `dataset ${cfg.name}: authors-split datasets are read by stages/authors-import.ts`,
      );
    }
    return await generateSynthetic(cfg, ctx.rng, ctx.outDir, {
      progress: ctx.progress,
      signal: ctx.signal,
    });
  },
});

/**
 * Copies the user's `features.npy` into the store as float32, row chunk by chunk, refusing a
 * truncated file or a NaN/Infinity with the user's path, the row, the column and the byte
 * offset, so that nothing bad is copied in.
 */
async function copyFeaturesChecked(from: string, to: string): Promise<void> {
  const reader = await openNpyRows(from);
  const { headerBytes, itemBytes } = await readNpyHeader(from);
  const writer = await NpyRowWriter.create(to, "float32", reader.cols, reader.rows);
  try {
    const step = Math.max(1, Math.floor((1 << 22) / Math.max(1, reader.cols)));
    for (let s = 0; s < reader.rows; s += step) {
      const chunk = await reader.read(s, Math.min(reader.rows, s + step));
      for (let k = 0; k < chunk.length; k++) {
        const v = chunk[k] as number;
        if (v - v !== 0) {
          const row = s + Math.floor(k / reader.cols);
          const col = k % reader.cols;
          const offset = headerBytes + (row * reader.cols + col) * itemBytes;
          throw new Error(
            `${from}: feature value ${v} at row ${row}, column ${col} (byte offset ${offset}); ` +
              `expected finite numbers`,
          );
        }
      }
      await writer.write(chunk);
    }
    await writer.close();
  } finally {
    reader.close();
    writer.abort();
  }
}

/** Options for `generateSynthetic`. */
export interface GenerateOptions {
  /** Progress reporter for the feature rows. */
  progress?: Progress;
  /** Stops generation when aborted. */
  signal?: AbortSignal;
}

/** Alias-free weighted sampler over groups: items sorted by group with cumulative weights. */
interface GroupSampler {
  /** Group g's items are `order[start[g] .. start[g + 1])`. */
  start: Int32Array;
  order: Int32Array;
  /** Cumulative weights aligned with `order` (restarting at each group). */
  cum: Float64Array;
}

function buildGroupSampler(
  groups: Int32Array,
  nGroups: number,
  weight: Float64Array,
): GroupSampler {
  const n = groups.length;
  const start = new Int32Array(nGroups + 1);
  for (let i = 0; i < n; i++) start[groups[i] + 1]++;
  for (let g = 0; g < nGroups; g++) start[g + 1] += start[g];
  const fill = start.slice(0, nGroups);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[groups[i]]++] = i;
  const cum = new Float64Array(n);
  for (let g = 0; g < nGroups; g++) {
    let acc = 0;
    for (let k = start[g]; k < start[g + 1]; k++) {
      acc += weight[order[k]];
      cum[k] = acc;
    }
  }
  return { start, order, cum };
}

/** Draws an item of group `g` with probability proportional to its weight (-1 if empty). */
function drawFromGroup(s: GroupSampler, g: number, rng: Rng): number {
  let lo = s.start[g];
  let hi = s.start[g + 1] - 1;
  if (hi < lo) return -1;
  const x = rng.random() * s.cum[hi];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.cum[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return s.order[lo];
}

/** Picks `k` distinct values in [0, n) (k <= n). */
function distinct(rng: Rng, n: number, k: number): Int32Array {
  const out = new Int32Array(Math.min(k, n));
  for (let j = 0; j < out.length; j++) {
    let v: number;
    do v = rng.int(n); while (out.subarray(0, j).includes(v));
    out[j] = v;
  }
  return out;
}

/** A random board (collaborative topic) of visual topic `v`: `c = v + V * j` with `c < C`. */
function boardOf(v: number, rng: Rng, nVisual: number, nCollab: number): number {
  const boards = Math.floor((nCollab - 1 - v) / nVisual) + 1;
  return v + nVisual * rng.int(boards);
}

/** Interactions per active user: >= min, summing exactly to `total`. */
function activityCounts(cfg: SyntheticConfig, rng: Rng): Int32Array {
  const { users, interactions: total, minPerUser: min, activitySpread: s } = cfg;
  if (total < users * min) {
    throw new Error(
      `dataset ${cfg.name}: interactions ${total} < users ${users} x minPerUser ${min}`,
    );
  }
  const meanExtra = total / users - min;
  const counts = new Int32Array(users);
  let sum = 0;
  for (let u = 0; u < users; u++) {
    const rate = meanExtra * Math.exp(s * rng.normal() - (s * s) / 2);
    const extra = Math.floor(-Math.log(1 - rng.random()) * (rate + 0.5));
    counts[u] = min + Math.min(extra, 50 * Math.ceil(meanExtra + 1));
    sum += counts[u];
  }
  while (sum < total) {
    counts[rng.int(users)]++;
    sum++;
  }
  while (sum > total) {
    const u = rng.int(users);
    if (counts[u] > min) {
      counts[u]--;
      sum--;
    }
  }
  return counts;
}

/**
 * Generates a synthetic dataset into `outDir` (`interactions.csv`, `features.npy`).
 * Features are written in chunks of `cfg.chunkRows` rows; the full matrix is never in memory.
 */
export async function generateSynthetic(
  cfg: SyntheticConfig,
  rng: Rng,
  outDir: string,
  options: GenerateOptions = {},
): Promise<DatasetSummary> {
  const nItems = cfg.items;
  const itemRng = rng.fork("items");
  // Popularity: Zipf weight of a random rank.
  const rank = new Int32Array(nItems);
  for (let i = 0; i < nItems; i++) rank[i] = i;
  itemRng.shuffle(rank);
  const weight = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) weight[i] = Math.pow(rank[i] + 1, -cfg.zipf);
  const visualTopic = new Int32Array(nItems);
  const collabTopic = new Int32Array(nItems);
  const nested = cfg.topicNesting === "nested";
  if (nested && cfg.collabTopics < cfg.visualTopics) {
    throw new Error(
      `dataset ${cfg.name}: topicNesting "nested" needs collabTopics (${cfg.collabTopics}) >= ` +
        `visualTopics (${cfg.visualTopics})`,
    );
  }
  for (let i = 0; i < nItems; i++) {
    visualTopic[i] = itemRng.int(cfg.visualTopics);
    collabTopic[i] = nested
      ? boardOf(visualTopic[i], itemRng, cfg.visualTopics, cfg.collabTopics)
      : itemRng.int(cfg.collabTopics);
  }
  const byVisual = buildGroupSampler(visualTopic, cfg.visualTopics, weight);
  const byCollab = buildGroupSampler(collabTopic, cfg.collabTopics, weight);
  const global = buildGroupSampler(new Int32Array(nItems), 1, weight);

  // Users: active ones first, then low-activity ones, then a shuffled order of raw ids.
  const userRng = rng.fork("users");
  const active = activityCounts(cfg, userRng);
  const nUsers = cfg.users + cfg.lowActivityUsers;
  const counts = new Int32Array(nUsers);
  counts.set(active);
  for (let u = cfg.users; u < nUsers; u++) {
    counts[u] = 1 + userRng.int(Math.max(1, cfg.minPerUser - 1));
  }
  let totalLines = 0;
  for (let u = 0; u < nUsers; u++) totalLines += counts[u];
  const rawOrder = new Int32Array(nUsers);
  for (let u = 0; u < nUsers; u++) rawOrder[u] = u;
  userRng.shuffle(rawOrder);
  const userIds = Array.from(rawOrder, (r) => `u${r}`);

  const pairRng = rng.fork("interactions");
  const lineUsers = new Int32Array(totalLines);
  const lineItems = new Int32Array(totalLines);
  let k = 0;
  const tpu = cfg.topicsPerUser;
  for (let u = 0; u < nUsers; u++) {
    const favVisual = distinct(pairRng, cfg.visualTopics, tpu);
    const favCollab = nested
      ? favVisual.map((v) => boardOf(v, pairRng, cfg.visualTopics, cfg.collabTopics))
      : distinct(pairRng, cfg.collabTopics, tpu);
    const first = k;
    for (let j = 0; j < counts[u]; j++) {
      let item = -1;
      for (let attempt = 0; attempt < 20; attempt++) {
        const r = pairRng.random();
        if (r < cfg.popularityShare) item = drawFromGroup(global, 0, pairRng);
        else if (pairRng.random() < cfg.visualShare) {
          item = drawFromGroup(byVisual, favVisual[pairRng.int(favVisual.length)], pairRng);
        } else item = drawFromGroup(byCollab, favCollab[pairRng.int(favCollab.length)], pairRng);
        if (item >= 0 && !lineItems.subarray(first, k).includes(item)) break;
      }
      if (item < 0) item = drawFromGroup(global, 0, pairRng);
      lineUsers[k] = u;
      lineItems[k] = item;
      k++;
    }
  }
  await writeRawInteractions(`${outDir}/interactions.csv`, userIds, lineUsers, lineItems);

  await writeSyntheticFeatures(
    cfg,
    rng.fork("features"),
    visualTopic,
    `${outDir}/features.npy`,
    options,
  );
  return {
    users: nUsers,
    interactions: totalLines,
    featureRows: nItems,
    dim: cfg.dim,
    activeUsers: cfg.users,
    lowActivityUsers: cfg.lowActivityUsers,
  };
}

/** Streams `scale_i * relu(W v_i + bias + noise)` rows for every item to `path`. */
async function writeSyntheticFeatures(
  cfg: SyntheticConfig,
  rng: Rng,
  visualTopic: Int32Array,
  path: string,
  options: GenerateOptions,
): Promise<void> {
  const L = cfg.visualLatentDim;
  const D = cfg.dim;
  const nItems = visualTopic.length;
  const inv = 1 / Math.sqrt(L);
  const centres = new Float64Array(cfg.visualTopics * L);
  for (let k = 0; k < centres.length; k++) centres[k] = rng.normal() * inv;
  // Projection stored column-major by latent index: W[l * D + d].
  const W = new Float32Array(L * D);
  for (let k = 0; k < W.length; k++) W[k] = rng.normal();
  const noiseScale = cfg.featureNoise * Math.sqrt(6); // triangular noise with unit variance
  const writer = await NpyRowWriter.create(path, "float32", D, nItems);
  const rowsPerChunk = Math.max(1, Math.min(cfg.chunkRows, Math.floor((1 << 24) / D)));
  const chunk = new Float32Array(rowsPerChunk * D);
  const acc = new Float32Array(D);
  const v = new Float64Array(L);
  options.progress?.start(nItems, "features");
  try {
    for (let startRow = 0; startRow < nItems; startRow += rowsPerChunk) {
      if (options.signal?.aborted) throw new Error("dataset generation aborted");
      const rows = Math.min(rowsPerChunk, nItems - startRow);
      for (let r = 0; r < rows; r++) {
        const i = startRow + r;
        const t = visualTopic[i];
        for (let l = 0; l < L; l++) {
          v[l] = centres[t * L + l] + cfg.visualNoise * inv * rng.normal();
        }
        const scale = Math.exp(
          cfg.scaleSigma * rng.normal() - (cfg.scaleSigma * cfg.scaleSigma) / 2,
        );
        acc.fill(cfg.featureBias);
        for (let l = 0; l < L; l++) {
          const vl = v[l];
          const off = l * D;
          for (let d = 0; d < D; d++) acc[d] += W[off + d] * vl;
        }
        const base = r * D;
        for (let d = 0; d < D; d++) {
          const x = acc[d] + noiseScale * (rng.random() + rng.random() - 1);
          chunk[base + d] = x > 0 ? scale * x : 0;
        }
      }
      await writer.write(chunk.subarray(0, rows * D));
      options.progress?.update(startRow + rows);
    }
    await writer.close();
  } catch (e) {
    writer.abort();
    throw e;
  } finally {
    options.progress?.stop();
  }
}

/** Validates a data directory and writes its canonical `interactions.csv` and `features.npy`. */
async function importDataDir(
  cfg: DataDirConfig,
  outDir: string,
  log: (m: string) => void,
): Promise<DatasetSummary> {
  const featuresPath = `${cfg.dir}/features.npy`;
  let header;
  try {
    header = await readNpyHeader(featuresPath);
  } catch (e) {
    throw new Error(`dataset ${cfg.name}: ${(e as Error).message}`);
  }
  if (header.shape.length !== 2 || header.dtype !== "float32") {
    throw new Error(
      `${featuresPath}: expected a float32 (or float64) matrix [items, D], found ${header.descr} shape [${
        header.shape.join(", ")
      }]`,
    );
  }
  let interactionsPath = "";
  for (const name of ["interactions.csv", "interactions.tsv"]) {
    try {
      await Deno.stat(`${cfg.dir}/${name}`);
      interactionsPath = `${cfg.dir}/${name}`;
      break;
    } catch {
      // try the next name
    }
  }
  if (!interactionsPath) {
    throw new Error(
      `dataset ${cfg.name}: ${cfg.dir} has neither interactions.csv nor interactions.tsv`,
    );
  }
  const raw = await readRawInteractions(interactionsPath, { itemLimit: header.shape[0] });
  if (raw.users.length === 0) {
    throw new Error(
      `${interactionsPath} holds no interactions (the file is empty or has only a header); ` +
        `expected one "user,item" line per interaction`,
    );
  }
  await copyFeaturesChecked(featuresPath, `${outDir}/features.npy`);
  await writeRawInteractions(`${outDir}/interactions.csv`, raw.userIds, raw.users, raw.items);
  log(
    `imported ${raw.users.length} interactions of ${raw.userIds.length} users from ${interactionsPath}`,
  );
  return {
    users: raw.userIds.length,
    interactions: raw.users.length,
    featureRows: header.shape[0],
    dim: header.shape[1],
  };
}
