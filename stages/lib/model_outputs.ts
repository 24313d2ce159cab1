/**
 * The files every model stage writes besides its weights: `scores.npy` (the evaluation rows),
 * `curve.csv` (training curve, format in `io/curve.ts`) and `train_summary.json`.
 *
 * @module
 */
import { writeNpy } from "../../io/npy.ts";

/** Writes `scores.npy`: float32 `[users, 1 + n]`. */
export async function writeScores(
  path: string,
  scores: Float32Array,
  shape: { users: number; n: number },
): Promise<void> {
  await writeNpy(path, { dtype: "float32", shape: [shape.users, 1 + shape.n], data: scores });
}

/** Writes pretty-printed JSON with a trailing newline. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2) + "\n");
}
