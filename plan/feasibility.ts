/**
 * Planning-time feasibility: a dataset too small for a profile gets one clear sentence before
 * anything runs, not a failure deep in a model stage.
 *
 * Checked: some user must keep at least `minPerUser` distinct items (else nothing is left to
 * split), and every kept user must have at least the profile's `negatives` candidate items
 * (items they never took). For synthetic datasets only the item pool is known before
 * generation, so the check is the necessary bound `items - minPerUser >= negatives`; for
 * `--data-dir` the interactions file is read (it is small next to the features) and filtered
 * as `filter-users` does (distinct pairs, users below `minPerUser`, repeated until stable).
 * Authors-split datasets bring their own negatives and are not checked here.
 *
 * @module
 */
import type { DatasetConfig } from "../config/dataset.ts";
import type { ProfileSpec } from "../config/profile.ts";
import { readNpyHeader } from "../io/npy.ts";
import { readRawInteractions } from "../io/interactions.ts";
import { statOrNull } from "../pipeline/mod.ts";

/** Throws one sentence when `dataset` cannot be run with `profile`. */
export async function checkDatasetFits(
  dataset: DatasetConfig,
  profile: ProfileSpec,
): Promise<void> {
  const need = profile.negatives;
  const advice = `use a smaller-negatives profile (e.g. --profile smoke) or a larger dataset`;
  if (dataset.kind === "synthetic") {
    const most = dataset.items - dataset.minPerUser;
    if (most < need) {
      throw new Error(
        `dataset "${dataset.name}" has ${dataset.items} items, so a user with ${dataset.minPerUser} ` +
          `interactions has at most ${most} candidate items, fewer than the ${need} test ` +
          `negatives per user of profile "${profile.name}"; ${advice}`,
      );
    }
    return;
  }
  if (dataset.kind !== "data-dir") return;
  const features = `${dataset.dir}/features.npy`;
  const header = await readNpyHeader(features).catch((e) => {
    throw new Error(`--data-dir: ${(e as Error).message}`);
  });
  const file = await interactionsFile(dataset.dir);
  const raw = await readRawInteractions(file, { itemLimit: header.shape[0] });
  if (raw.users.length === 0) {
    throw new Error(
      `${file} holds no interactions (the file is empty or has only a header); ` +
        `expected one "user,item" line per interaction`,
    );
  }
  const { users, items, minCandidates } = filterLikeStage(raw.users, raw.items, dataset.minPerUser);
  if (users === 0) {
    throw new Error(
      `${file}: no user has ${dataset.minPerUser} or more distinct items, so nothing is left ` +
        `to split into training and test; every user needs at least ${dataset.minPerUser}`,
    );
  }
  if (minCandidates < need) {
    throw new Error(
      `${file}: after filtering, ${users} users and ${items} items remain and some user has ` +
        `only ${minCandidates} items they never took, fewer than the ${need} test negatives per ` +
        `user of profile "${profile.name}"; ${advice}`,
    );
  }
}

async function interactionsFile(dir: string): Promise<string> {
  for (const name of ["interactions.csv", "interactions.tsv"]) {
    const path = `${dir}/${name}`;
    if (await statOrNull(path)) return path;
  }
  throw new Error(`--data-dir ${dir} has neither interactions.csv nor interactions.tsv`);
}

/** Users and items left after the `filter-users` rule, and the fewest candidates of a user. */
function filterLikeStage(
  users: Int32Array,
  items: Int32Array,
  minPerUser: number,
): { users: number; items: number; minCandidates: number } {
  const perUser = new Map<number, Set<number>>();
  for (let t = 0; t < users.length; t++) {
    let s = perUser.get(users[t]);
    if (!s) perUser.set(users[t], s = new Set());
    s.add(items[t]);
  }
  let kept = [...perUser.values()];
  while (true) {
    const next = kept.filter((s) => s.size >= minPerUser);
    const live = new Set<number>();
    for (const s of next) for (const i of s) live.add(i);
    if (next.length === kept.length) {
      let most = 0;
      for (const s of next) most = Math.max(most, s.size);
      return { users: next.length, items: live.size, minCandidates: live.size - most };
    }
    kept = next;
  }
}
