/**
 * Per-user NDCG@10 under the test-time adversary, the values the robustness claims bootstrap
 * over (`report/claim_eval.ts`). perturb-test writes them as `robust_users.npy`, float32
 * `[users, columns]` (NaN: no target), columns in {@link robustUserColumns} order:
 * `vbpr.clean`, `vbpr.grad@<eps>` per Table 3 eps, `amr.clean`, `amr.grad@<eps>`, then
 * `figure4.<kind>@<eps>` (VBPR) per Figure 4 kind and eps. `robust_users.json` names them.
 *
 * @module
 */
import { readNpy } from "../io/npy.ts";
import { metricsFromRanks } from "../models/evaluation.ts";
import type { RobustnessUsers } from "./input.ts";

/** Column names of `robust_users.npy`. */
export function robustUserColumns(
  tableEps: readonly number[],
  figureKinds: readonly string[],
  figureEps: readonly number[],
): string[] {
  const model = (m: string) => [`${m}.clean`, ...tableEps.map((e) => `${m}.grad@${e}`)];
  return [
    ...model("vbpr"),
    ...model("amr"),
    ...figureKinds.flatMap((k) => figureEps.map((e) => `figure4.${k}@${e}`)),
  ];
}

/**
 * Per-user NDCG@10 (`models/evaluation.ts`) from the test item's ranks; NaN for rank -1 (no
 * target).
 *
 * @param ranks per-user rank of the test item
 */
export function userNdcg10(ranks: Int32Array): Float32Array {
  return Float32Array.from(metricsFromRanks(ranks, [10]).ndcg[0]);
}

/**
 * Packs per-user columns (same length each) into a row-major `[users, columns]` matrix.
 *
 * @param columns one array per column, in column order
 */
export function packColumns(columns: readonly Float32Array[]): Float32Array {
  const users = columns[0]?.length ?? 0;
  const out = new Float32Array(users * columns.length);
  columns.forEach((c, j) => {
    if (c.length !== users) throw new Error(`robust users: column ${j} has ${c.length} users`);
    for (let u = 0; u < users; u++) out[u * columns.length + j] = c[u];
  });
  return out;
}

/** Parses `<prefix>@<eps>` column names into the eps list of that prefix, in column order. */
function epsOf(columns: readonly string[], prefix: string): number[] {
  return columns.filter((c) => c.startsWith(`${prefix}@`)).map((c) =>
    Number(c.slice(prefix.length + 1))
  );
}

/**
 * The robustness part of the claims' user values from `robust_users.npy` and its column names.
 *
 * @param npyPath path of `robust_users.npy`
 * @param columns its column names (`robust_users.json`'s `columns`)
 * @param users expected number of users
 * @throws Error naming the file when the shape or the columns do not match
 */
export async function readRobustUsers(
  npyPath: string,
  columns: readonly string[],
  users: number,
): Promise<RobustnessUsers> {
  const arr = await readNpy(npyPath, { dtype: "float32", shape: [users, columns.length] });
  const data = arr.data as Float32Array;
  const col = (name: string): Float32Array => {
    const j = columns.indexOf(name);
    if (j < 0) throw new Error(`${npyPath}: no column ${name}`);
    return Float32Array.from({ length: users }, (_, u) => data[u * columns.length + j]);
  };
  const eps = epsOf(columns, "vbpr.grad");
  const model = (m: string) => ({
    clean: col(`${m}.clean`),
    attacked: eps.map((e) => col(`${m}.grad@${e}`)),
  });
  const gradEps = epsOf(columns, "figure4.grad");
  const randEps = new Set(epsOf(columns, "figure4.rand"));
  const common = gradEps.filter((e) => randEps.has(e));
  return {
    eps,
    vbpr: model("vbpr"),
    amr: model("amr"),
    ...(common.length > 0
      ? {
        figure4: {
          eps: common,
          grad: common.map((e) => col(`figure4.grad@${e}`)),
          rand: common.map((e) => col(`figure4.rand@${e}`)),
        },
      }
      : {}),
  };
}
