/**
 * What a model stage trains on and is evaluated against, for one phase of the protocol
 * (paper sec. 4.1.2 and 4.1.4):
 *
 * - `final`: all of `train.npy` (validation pairs included); the eval target is each user's
 *   test item, ranked among `negatives.npy`.
 * - `tune`: `train.npy` minus each user's validation pair (every occurrence of the pair
 *   `(u, validation[u])`, so the held-out item is never a training positive of its user); the
 *   eval target is the validation item, ranked among `validation_negatives.npy`. Users without
 *   a validation item (`-1`) are skipped (NaN score rows).
 *
 * The item count comes from `item_map.csv`, so every model of a dataset has tables of the same
 * size (VBPR can start from MF's Q even when some items appear nowhere in training).
 *
 * @module
 */
import { z } from "zod";
import { readNpy } from "../../io/npy.ts";
import type { FeatureMatrix, TrainSet } from "../../models/types.ts";
import type { EvalTarget } from "../../models/evaluation.ts";
import { type Pairs, readIdMap, readPairs, readPerUser } from "../../io/interactions.ts";

/**
 * Phase of a run: `final` (train on all of train.npy, evaluate on test) or `tune` (train
 * without the validation pairs, evaluate on validation).
 */
export const phaseSchema = z.enum(["final", "tune"]);

/** Phase of a run (see {@link phaseSchema}). */
export type Phase = z.infer<typeof phaseSchema>;

/** Input files of a model stage (absolute paths). */
export interface PhaseFiles {
  /** `train.npy` of the split (validation pairs included). */
  train: string;
  /** `validation.npy` of the split (`-1` = none). */
  validation: string;
  /** The phase's target: `test.npy` (final) or `validation.npy` (tune). */
  target: string;
  /** The phase's negatives: `negatives.npy` (final) or `validation_negatives.npy` (tune). */
  negatives: string;
  /** `item_map.csv` of filter-users (its row count is the number of items). */
  itemMap: string;
}

/**
 * The phase files from a stage's inputs wired by `phaseInputs` (names `train`, `validation`,
 * `target`, `negatives`, `item_map`).
 */
export function phaseFiles(inputs: Readonly<Record<string, string>>): PhaseFiles {
  return {
    train: inputs.train,
    validation: inputs.validation,
    target: inputs.target,
    negatives: inputs.negatives,
    itemMap: inputs.item_map,
  };
}

/** The training set and evaluation target of a phase. */
export interface PhaseData {
  /** Which phase. */
  phase: Phase;
  /** Training pairs of the phase. */
  train: TrainSet;
  /** Evaluation target. */
  target: EvalTarget;
  /** Training pairs removed because they were a user's validation pair (tune only). */
  removedPairs: number;
}

/** What a training stage's `train_summary.json` says about the data it saw (one format for all). */
export interface PhaseDataSummary {
  /** Training pairs used. */
  trainPairs: number;
  /** Training pairs dropped as validation pairs (tune phase). */
  removedValidationPairs: number;
  /** Users with an evaluation target. */
  evaluatedUsers: number;
  /** All users. */
  users: number;
  /** Negatives per evaluated user. */
  negatives: number;
}

/** The {@link PhaseDataSummary} of a phase's data. */
export function phaseDataSummary(data: PhaseData): PhaseDataSummary {
  return {
    trainPairs: data.train.users.length,
    removedValidationPairs: data.removedPairs,
    evaluatedUsers: data.target.evaluated,
    users: data.target.users,
    negatives: data.target.n,
  };
}

/**
 * Removes every occurrence of `(u, validation[u])` from the pairs (users with `-1` keep all).
 *
 * @param pairs training pairs
 * @param validation validation item per user (`-1` = none)
 * @returns the remaining pairs (a copy) and how many were removed
 */
export function dropValidationPairs(
  pairs: Pairs,
  validation: Int32Array,
): { pairs: Pairs; removed: number } {
  const n = pairs.users.length;
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  let m = 0;
  for (let t = 0; t < n; t++) {
    const u = pairs.users[t];
    const i = pairs.items[t];
    if (u < validation.length && validation[u] === i) continue;
    users[m] = u;
    items[m++] = i;
  }
  return { pairs: { users: users.slice(0, m), items: items.slice(0, m) }, removed: n - m };
}

/**
 * Loads the training set and eval target of a phase. In the `tune` phase the target must be the
 * validation array (checked), so a miswired node fails loudly.
 *
 * @param files input paths
 * @param phase `final` or `tune`
 */
export async function loadPhaseData(files: PhaseFiles, phase: Phase): Promise<PhaseData> {
  const nItems = (await readIdMap(files.itemMap)).length;
  const target = await readPerUser(files.target, { items: nItems });
  const nUsers = target.users;
  const validation = await readPerUser(files.validation, { users: nUsers, items: nItems });
  let pairs = await readPairs(files.train, { users: nUsers, items: nItems });
  let removed = 0;
  if (phase === "tune") {
    for (let u = 0; u < nUsers; u++) {
      if (target.data[u] !== validation.data[u]) {
        throw new Error(
          `${files.target}: in the tune phase the target must be validation.npy ` +
            `(user ${u}: ${target.data[u]} vs ${validation.data[u]})`,
        );
      }
    }
    ({ pairs, removed } = dropValidationPairs(pairs, validation.data));
  }
  const neg = await readNpy(files.negatives, { dtype: "int32", shape: [nUsers, null] });
  const negatives = neg.data as Int32Array;
  for (let t = 0; t < negatives.length; t++) {
    if (negatives[t] < 0 || negatives[t] >= nItems) {
      throw new Error(
        `${files.negatives}: row ${Math.floor(t / neg.shape[1])}: item ${negatives[t]} ` +
          `out of range, expected 0 <= item < ${nItems}`,
      );
    }
  }
  let evaluated = 0;
  for (let u = 0; u < nUsers; u++) if (target.data[u] >= 0) evaluated++;
  return {
    phase,
    train: { nUsers, nItems, users: pairs.users, items: pairs.items },
    target: { users: nUsers, items: target.data, n: neg.shape[1], negatives, evaluated },
    removedPairs: removed,
  };
}

/**
 * Loads the scaled item features (`features.npy`, float32 `[items, D]`).
 *
 * @param path file path
 * @param items expected number of rows (checked when given)
 */
export async function loadFeatures(path: string, items?: number): Promise<FeatureMatrix> {
  const arr = await readNpy(path, { dtype: "float32", shape: [items ?? null, null] });
  return { rows: arr.shape[0], dim: arr.shape[1], data: arr.data as Float32Array };
}
