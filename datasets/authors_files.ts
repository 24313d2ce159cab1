/**
 * The authors' pre-split Pinterest layout (github.com/duxy-me/AMR, `data/pinterest` and
 * `weights/`): file names, where they are fetched from, the pinned hash of `pos.txt`, and one
 * reader that validates the three data files together (ids against the feature rows, `neg.txt`
 * rows against the users), used by both `data import pinterest` and the `authors-import` stage.
 *
 * @module
 */
import { join } from "node:path";
import { readNpyHeader } from "../io/npy.ts";
import { DEFAULT_NEGATIVES } from "../config/protocol.ts";
import {
  type AuthorsNeg,
  type AuthorsPos,
  readAuthorsNeg,
  readAuthorsPos,
} from "../io/authors_split.ts";
import { type PickledWeights, readPickledWeights } from "../io/pickle_npy.ts";

/** Default base URL of the authors' repository (raw files). */
export const AUTHORS_BASE_URL = "https://raw.githubusercontent.com/duxy-me/AMR/master";

/** Environment variable that overrides the base URL (tests point it at a local server). */
export const BASE_URL_ENV = "AMR_PINTEREST_BASE_URL";

/** Lock file (inside the data folder) recording each file's SHA-256 and size. */
export const LOCK_FILE_NAME = "files.lock.json";

/** Pinned SHA-256 of the authors' `pos.txt` (computed from the unchanged file; matches
 * `data/amr-pinterest/README.md`). */
export const POS_SHA256 = "6fc0b1bdb9750e731b09437006d6238732ce7f67b76d5863cbadfd654b97c82f";

/** Size in bytes of the authors' `pos.txt`. */
export const POS_SIZE = 62459;

/** Path of the pretrained VBPR weights inside the data folder. */
export const WEIGHTS_FILE = "weights/best-vbpr.npy";

/** One file of the authors' layout. */
export interface AuthorsFile {
  /** Path inside the data folder. */
  name: string;
  /** Path inside the repository (appended to the base URL). */
  remote: string;
  /** Needed by the pre-split dataset (the weights are only needed by `--init official-vbpr`). */
  required: boolean;
  /** Pinned SHA-256, when known in advance. */
  sha256?: string;
  /** Pinned size, when known in advance. */
  size?: number;
}

/** The files `data fetch pinterest` downloads, in download order. */
export const AUTHORS_FILES: readonly AuthorsFile[] = [
  {
    name: "pos.txt",
    remote: "data/pinterest/pos.txt",
    required: true,
    sha256: POS_SHA256,
    size: POS_SIZE,
  },
  { name: "neg.txt", remote: "data/pinterest/neg.txt", required: true },
  { name: "f_resnet.npy", remote: "data/pinterest/f_resnet.npy", required: true },
  { name: WEIGHTS_FILE, remote: WEIGHTS_FILE, required: false },
];

/** Options of {@link readAuthorsData}. */
export interface AuthorsDataOptions {
  /** Negatives per `neg.txt` row (default `DEFAULT_NEGATIVES`, 999). */
  negatives?: number;
  /** Features file name (default `f_resnet.npy`). */
  features?: string;
}

/** The validated content of an authors-split folder. */
export interface AuthorsData {
  /** Training pairs (duplicates dropped and listed). */
  pos: AuthorsPos;
  /** Test item and fixed negatives per user. */
  neg: AuthorsNeg;
  /** Users (= rows of `neg.txt`). */
  users: number;
  /** Items (= rows of the features matrix). */
  items: number;
  /** Feature dimension D. */
  dim: number;
  /** Absolute path of the features file. */
  featuresPath: string;
}

/**
 * Reads and cross-checks `pos.txt`, `neg.txt` and the features header of `dir`: the features
 * are a float32 `[items, D]` matrix, every `neg.txt` row is 1 + `negatives` item ids below
 * `items`, and every `pos.txt` pair has a user below the number of `neg.txt` rows and an item
 * below `items`. Errors name the file, the line and what was expected.
 */
export async function readAuthorsData(
  dir: string,
  opts: AuthorsDataOptions = {},
): Promise<AuthorsData> {
  const featuresPath = join(dir, opts.features ?? "f_resnet.npy");
  const header = await readNpyHeader(featuresPath);
  if (header.descr !== "<f4" || header.shape.length !== 2 || header.shape[0] === 0) {
    throw new Error(
      `${featuresPath}: expected a float32 ('<f4') matrix [items, D], found '${header.descr}' of shape [${
        header.shape.join(", ")
      }]`,
    );
  }
  const [items, dim] = header.shape;
  const neg = await readAuthorsNeg(join(dir, "neg.txt"), {
    numItems: items,
    negativesPerUser: opts.negatives ?? DEFAULT_NEGATIVES,
  });
  if (neg.numUsers === 0) {
    throw new Error(`${join(dir, "neg.txt")}: no rows (expected one per user)`);
  }
  const pos = await readAuthorsPos(join(dir, "pos.txt"), {
    numUsers: neg.numUsers,
    numItems: items,
  });
  return { pos, neg, users: neg.numUsers, items, dim, featuresPath };
}

/**
 * Reads the authors' pickled `best-vbpr.npy` and checks it against a dataset: `P` is
 * `[users, K]`, `Q` is `[items, K]`, `E^T` is `[D, K]`, and K equals `k` when given.
 */
export async function readOfficialWeights(
  path: string,
  expect: { users: number; items: number; dim: number; k?: number },
): Promise<PickledWeights> {
  const w = await readPickledWeights(path);
  const problems: string[] = [];
  const k = w.P.shape[1];
  if (w.P.shape[0] !== expect.users) {
    problems.push(`P has ${w.P.shape[0]} rows, the dataset ${expect.users} users`);
  }
  if (w.Q.shape[0] !== expect.items) {
    problems.push(`Q has ${w.Q.shape[0]} rows, the dataset ${expect.items} items`);
  }
  if (w.ET.shape[0] !== expect.dim) {
    problems.push(`E^T has ${w.ET.shape[0]} rows, the features have D = ${expect.dim}`);
  }
  if (expect.k !== undefined && k !== expect.k) {
    problems.push(`K = ${k}, the profile has k = ${expect.k}`);
  }
  if (problems.length > 0) {
    throw new Error(
      `${path}: the pretrained weights do not fit this dataset: ${problems.join("; ")} ` +
        `(P [${w.P.shape}], Q [${w.Q.shape}], E^T [${w.ET.shape}])`,
    );
  }
  return w;
}
