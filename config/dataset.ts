/**
 * Dataset configurations (`configs/datasets/<name>.json`): a synthetic generator's shape
 * parameters, a user directory with interactions and features, or the authors' pre-split files.
 */
import { z } from "zod";
import { fieldIssue, readUserJson } from "../pipeline/stage/mod.ts";
import {
  intIn,
  MAX_DIM,
  MAX_ENTITIES,
  MAX_INTERACTIONS,
  MAX_K,
  MAX_MIN_PER_USER,
  MAX_NEGATIVES,
  MAX_TOPICS,
  numIn,
} from "./bounds.ts";
import { DEFAULT_NEGATIVES } from "./protocol.ts";

/** Parameters of the synthetic generator (see `stages/dataset.ts` for the model). */
export const syntheticConfigSchema = z.object({
  kind: z.literal("synthetic"),
  /** Dataset name, e.g. "synthetic-pinterest". */
  name: z.string().min(1),
  /** Users generated with at least `minPerUser` interactions (all survive filtering). */
  users: intIn(1, MAX_ENTITIES),
  /** Extra users generated below `minPerUser` (removed by filter-users, like the paper's). */
  lowActivityUsers: intIn(0, MAX_ENTITIES).default(0),
  /** Interactions of the `users` active users (before duplicate removal). */
  interactions: intIn(1, MAX_INTERACTIONS),
  /** Item pool; items nobody interacts with are dropped by filter-users. */
  items: intIn(1, MAX_ENTITIES),
  /** Feature dimension D (2048 for ResNet-50 pool5). */
  dim: intIn(1, MAX_DIM),
  /** Minimum interactions per user kept by filter-users (2 Pinterest, 5 Amazon). */
  minPerUser: intIn(1, MAX_MIN_PER_USER),
  /** Zipf exponent of item popularity (weight of rank r is r^-zipf). */
  zipf: numIn(0, 10).default(1),
  /** Mean extra interactions per user beyond the minimum follow a geometric law; this
   * is the tail exponent of the lognormal spread of user activity (0 = geometric only). */
  activitySpread: numIn(0, 10).default(0.8),
  /** Number of visual topics (clusters of the item visual latent). */
  visualTopics: intIn(1, MAX_TOPICS).default(40),
  /** Number of collaborative (non-visual) item clusters. */
  collabTopics: intIn(1, MAX_TOPICS).default(40),
  /** Dimension of the item visual latent that the features are projected from. */
  visualLatentDim: intIn(1, MAX_K).default(16),
  /** Probability that an interaction is driven by visual taste rather than collaborative taste. */
  visualShare: numIn(0, 1).default(0.6),
  /**
   * How collaborative topics relate to visual ones. `independent` (default): an item's
   * collaborative topic is drawn independently of its visual topic, and a user's favourite
   * collaborative topics independently of her visual ones. `nested`: collaborative topics are
   * "boards" inside visual topics (board `c` belongs to visual topic `c % visualTopics`, so
   * `collabTopics >= visualTopics`); an item's board lies in its visual topic and a user's k-th
   * favourite board in her k-th favourite visual topic, so the items a user takes are tightly
   * clustered (strong item-item co-occurrence, as pins of one board) and visually coherent.
   */
  topicNesting: z.enum(["independent", "nested"]).default("independent"),
  /** Favourite topics per user (for each of the two tastes). */
  topicsPerUser: intIn(1, 100).default(2),
  /** Probability that an interaction ignores taste and follows popularity only. */
  popularityShare: numIn(0, 1).default(0.15),
  /** Spread of an item's visual latent around its topic centre (relative to centre norm 1). */
  visualNoise: numIn(0, 100).default(0.5),
  /** Per-element feature noise before the ReLU. */
  featureNoise: numIn(0, 100).default(0.3),
  /** Bias before the ReLU (more negative = sparser features). */
  featureBias: numIn(-100, 100).default(-0.5),
  /** Sigma of the lognormal per-item feature scale (heavy-tailed image "energy"). */
  scaleSigma: numIn(0, 10).default(0.5),
  /** Rows generated per chunk when streaming features to disk. */
  chunkRows: intIn(1, 2 ** 20).default(4096),
}).strict();

/** A user-supplied directory with `interactions.csv` or `.tsv` and `features.npy`. */
export const dataDirConfigSchema = z.object({
  kind: z.literal("data-dir"),
  /** Dataset name. */
  name: z.string().min(1),
  /** Directory holding the files (absolute, or relative to the working directory). */
  dir: z.string().min(1),
  /** Minimum interactions per user kept by filter-users. */
  minPerUser: intIn(1, MAX_MIN_PER_USER),
  /** SHA-256 of each file read from `dir` (filled in when the target is resolved, so that a
   * changed file changes the stage's cache key). */
  hashes: z.record(z.string(), z.string()).optional(),
}).strict();

/**
 * The authors' pre-split layout (duxy-me/AMR `data/pinterest`): `pos.txt` (training pairs),
 * `neg.txt` (row u: test item then the fixed negatives), `f_resnet.npy` (features), and
 * optionally `weights/best-vbpr.npy`. No filtering or splitting is done.
 */
export const authorsSplitConfigSchema = z.object({
  kind: z.literal("authors-split"),
  /** Dataset name. */
  name: z.string().min(1),
  /** Directory holding the files: absolute, or relative to `<artifacts>/data/`. */
  dir: z.string().min(1),
  /** Negatives per `neg.txt` row (`DEFAULT_NEGATIVES`, 999 in the authors' file). */
  negatives: intIn(1, MAX_NEGATIVES).default(DEFAULT_NEGATIVES),
  /** Features file name inside `dir`. */
  features: z.string().min(1).default("f_resnet.npy"),
  /** SHA-256 of each file read from `dir` (filled in when the target is resolved). */
  hashes: z.record(z.string(), z.string()).optional(),
}).strict();

/** Any dataset configuration. */
export const datasetConfigSchema = z.discriminatedUnion("kind", [
  syntheticConfigSchema,
  dataDirConfigSchema,
  authorsSplitConfigSchema,
]);

/** A synthetic dataset configuration (defaults applied). */
export type SyntheticConfig = z.infer<typeof syntheticConfigSchema>;
/** A data-dir dataset configuration. */
export type DataDirConfig = z.infer<typeof dataDirConfigSchema>;
/** An authors-split dataset configuration (defaults applied). */
export type AuthorsSplitConfig = z.infer<typeof authorsSplitConfigSchema>;
/** Any dataset configuration (defaults applied). */
export type DatasetConfig = z.infer<typeof datasetConfigSchema>;

/** Validates a parsed JSON value; errors name the source and the offending field. */
export function parseDatasetConfig(value: unknown, source = "dataset config"): DatasetConfig {
  const result = datasetConfigSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map(fieldIssue);
    throw new Error(`${source}: invalid dataset config: ${issues.join("; ")}`);
  }
  return result.data;
}

/** The dataset names of `configDir` (its `*.json` files), sorted. */
function knownDatasets(configDir: string): string[] {
  try {
    return [...Deno.readDirSync(configDir)].filter((e) => e.isFile && e.name.endsWith(".json"))
      .map((e) => e.name.slice(0, -".json".length)).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** Reads and validates `configs/datasets/<name>.json` (or any path ending in `.json`). */
export async function loadDatasetConfig(
  nameOrPath: string,
  configDir = "configs/datasets",
): Promise<DatasetConfig> {
  const path = nameOrPath.endsWith(".json") ? nameOrPath : `${configDir}/${nameOrPath}.json`;
  let json: unknown;
  try {
    json = await readUserJson(path, { what: "dataset config" });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    if (!nameOrPath.endsWith(".json")) {
      throw new Error(
        `unknown dataset "${nameOrPath}": one of ${knownDatasets(configDir).join(", ")}, ` +
          `or a path to a .json dataset config`,
      );
    }
    throw new Error(`dataset config ${path} not found`);
  }
  return parseDatasetConfig(json, path);
}
