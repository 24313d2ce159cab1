/**
 * Model weights on disk: one NumPy `.npy` file per matrix, so that later stages (robustness,
 * figures) and reviewers with NumPy can reload them without TypeScript.
 *
 * Files: `P.npy` (float32 `[users, K]`), `Q.npy` (`[items, K]`), `E.npy` (`[K, D]`, so `E c_i`
 * is a K-vector), `H.npy` (`[users, K]`, paper eq. 2 only). A stage whose declared outputs
 * include a matrix the model lacks (e.g. `H.npy` of an eq. 4 VBPR) writes it with zero rows,
 * `[0, K]`; {@link loadWeights} reads such a file as "absent".
 *
 * @module
 */
import { readNpy, writeNpy } from "./npy.ts";
import type { Weights } from "../models/types.ts";

/** Names of the weight matrices, in file-name order. */
export type WeightName = "P" | "Q" | "E" | "H";

/** All weight matrix names. */
export const WEIGHT_NAMES: readonly WeightName[] = ["P", "Q", "E", "H"];

/** File name of a weight matrix, e.g. `P.npy`. */
export function weightFile(name: WeightName): string {
  return `${name}.npy`;
}

/** The matrices a weight set holds (P always; Q, E, H when present). */
export function presentWeights(w: Weights): WeightName[] {
  const out: WeightName[] = ["P"];
  if (w.Q) out.push("Q");
  if (w.E) out.push("E");
  if (w.H) out.push("H");
  return out;
}

/**
 * Writes each matrix of `w` as `<dir>/<name>.npy`. Names in `declared` that the model lacks are
 * written as empty `[0, K]` arrays (so a stage's fixed output list is always complete).
 *
 * @param dir output folder
 * @param w weights to save
 * @param opts `declared`: names to write (default: those present)
 * @returns the names written with data
 */
export async function saveWeights(
  dir: string,
  w: Weights,
  opts: { declared?: readonly WeightName[] } = {},
): Promise<WeightName[]> {
  const present = presentWeights(w);
  const names = opts.declared ?? present;
  for (const name of names) {
    const data = matrixOf(w, name);
    const path = `${dir}/${weightFile(name)}`;
    if (data === null) {
      await writeNpy(path, { dtype: "float32", shape: [0, w.k], data: new Float32Array(0) });
      continue;
    }
    const rows = name === "E" ? w.k : data.length / w.k;
    const cols = name === "E" ? w.dim : w.k;
    await writeNpy(path, { dtype: "float32", shape: [rows, cols], data });
  }
  return names.filter((n) => present.includes(n));
}

function matrixOf(w: Weights, name: WeightName): Float32Array | null {
  switch (name) {
    case "P":
      return w.P;
    case "Q":
      return w.Q;
    case "E":
      return w.E;
    case "H":
      return w.H ?? null;
  }
}

/** Paths of saved matrices by name; missing names (or empty files) give absent matrices. */
export type WeightPaths = Partial<Record<WeightName, string>>;

/**
 * Loads weights saved by {@link saveWeights}. `P` is required; K comes from its columns and is
 * checked against the other files; D comes from `E`.
 *
 * @param paths file per matrix name
 * @throws Error naming the file on a shape mismatch
 */
export async function loadWeights(paths: WeightPaths): Promise<Weights> {
  if (!paths.P) throw new Error("loadWeights: P.npy is required");
  const p = await readNpy(paths.P, { dtype: "float32", shape: [null, null] });
  const k = p.shape[1];
  const read = async (
    name: WeightName,
  ): Promise<{ data: Float32Array; shape: number[] } | null> => {
    const path = paths[name];
    if (!path) return null;
    const arr = await readNpy(path, { dtype: "float32", shape: [null, null] });
    if (arr.shape[0] === 0) return null;
    const kDim = name === "E" ? arr.shape[0] : arr.shape[1];
    if (kDim !== k) {
      throw new Error(`${path}: K = ${kDim}, but P.npy has K = ${k}`);
    }
    return { data: arr.data as Float32Array, shape: arr.shape };
  };
  const q = await read("Q");
  const e = await read("E");
  const h = await read("H");
  if (h && h.shape[0] !== p.shape[0]) {
    throw new Error(`${paths.H}: ${h.shape[0]} users, but P.npy has ${p.shape[0]}`);
  }
  const w: Weights = {
    P: p.data as Float32Array,
    Q: q?.data ?? null,
    E: e?.data ?? null,
    k,
    dim: e ? e.shape[1] : 0,
  };
  if (h) w.H = h.data;
  return w;
}
