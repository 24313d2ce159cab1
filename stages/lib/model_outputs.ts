/**
 * `scores.npy`, the evaluation rows every model stage writes besides its weights (its other
 * files: `curve.csv`, format in `io/curve.ts`; `train_summary.json`, via `io/json.ts`).
 *
 * @module
 */
import { writeNpy } from "../../io/npy.ts";
import { assertFiniteTargetRows } from "../../models/finite.ts";

/**
 * Writes `scores.npy`: float32 `[users, 1 + n]`. Refuses a NaN or Infinity in the row of a
 * user with a target (`targets[u] >= 0`); rows of users without one are NaN by design.
 */
export async function writeScores(
  path: string,
  scores: Float32Array,
  shape: { users: number; n: number; targets: Int32Array },
): Promise<void> {
  const width = 1 + shape.n;
  assertFiniteTargetRows(scores, "scores.npy", {
    users: shape.users,
    width,
    targets: shape.targets,
  });
  await writeNpy(path, { dtype: "float32", shape: [shape.users, width], data: scores });
}
