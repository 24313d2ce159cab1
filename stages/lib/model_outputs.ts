/**
 * `scores.npy`, the evaluation rows every model stage writes besides its weights (its other
 * files: `curve.csv`, format in `io/curve.ts`; `train_summary.json`, via `io/json.ts`).
 *
 * @module
 */
import { writeNpy } from "../../io/npy.ts";
import { assertFiniteArray } from "../../models/finite.ts";

/** Writes `scores.npy`: float32 `[users, 1 + n]`. */
export async function writeScores(
  path: string,
  scores: Float32Array,
  shape: { users: number; n: number },
): Promise<void> {
  assertFiniteArray(scores, "scores.npy", 1 + shape.n);
  await writeNpy(path, { dtype: "float32", shape: [shape.users, 1 + shape.n], data: scores });
}
