/**
 * Stage `official-vbpr`: the authors' pretrained VBPR (`weights/best-vbpr.npy`, a pickled object
 * array `[P, Q, E^T]`) as weight files, so that AMR can start from it as the authors' `run.sh`
 * does (`--init official-vbpr`). `P` must be `[users, K]`, `Q` `[items, K]`, `E^T` `[D, K]` for
 * the dataset's users, items and feature dimension, and K the profile's k; otherwise the stage
 * fails naming every mismatch. The file's SHA-256 is a param, so a changed file reruns it.
 * Outputs: `P.npy`, `Q.npy`, `E.npy` (`E = (E^T)^T`, `[K, D]`), as `lib/weights_io.ts` writes,
 * and `H.npy` (`[0, K]`: eq. 4 has no H).
 */
import { z } from "zod";
import { runSettingsSchema } from "../config/profile.ts";
import { defineStage } from "../pipeline/stage/mod.ts";
import { readNpyHeader, writeNpy } from "../io/npy.ts";
import { readIdMap, readPerUser } from "../io/interactions.ts";
import { readOfficialWeights } from "../datasets/authors_files.ts";

/** The pretrained-weights stage. */
export const stage = defineStage({
  name: "official-vbpr",
  module: import.meta.url,
  params: z.object({
    /** Absolute path of `best-vbpr.npy`. */
    path: z.string().min(1),
    /** Its SHA-256 (cache key). */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** Embedding size the profile expects (the profile's `k`). */
    k: runSettingsSchema.shape.k,
  }).strict(),
  inputs: ["item_map", "test", "features"],
  outputs: ["P.npy", "Q.npy", "E.npy", "H.npy"],
  async run(ctx): Promise<Record<string, unknown>> {
    const items = (await readIdMap(ctx.inputs.item_map)).length;
    const users = (await readPerUser(ctx.inputs.test)).users;
    const dim = (await readNpyHeader(ctx.inputs.features)).shape[1];
    const w = await readOfficialWeights(ctx.params.path, { users, items, dim, k: ctx.params.k });
    const k = w.P.shape[1];
    const et = w.ET.data as Float32Array;
    const e = new Float32Array(k * dim);
    for (let d = 0; d < dim; d++) for (let j = 0; j < k; j++) e[j * dim + d] = et[d * k + j];
    await writeNpy(`${ctx.outDir}/P.npy`, w.P);
    await writeNpy(`${ctx.outDir}/Q.npy`, w.Q);
    await writeNpy(`${ctx.outDir}/E.npy`, { dtype: "float32", shape: [k, dim], data: e });
    // Eq. 4 VBPR has no H; `[0, K]` as the vbpr stage writes it, for perturb-test's VBPR.
    await writeNpy(`${ctx.outDir}/H.npy`, {
      dtype: "float32",
      shape: [0, k],
      data: new Float32Array(0),
    });
    ctx.log(`authors' VBPR weights: P [${w.P.shape}], Q [${w.Q.shape}], E [${k}, ${dim}]`);
    return { users, items, dim, k };
  },
});
