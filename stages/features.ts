/**
 * Stage `features`: aligns the dataset's feature rows with the filtered item ids and scales
 * them by their global maximum absolute value (as the authors' `Dataset.py` does).
 *
 * Row k of the output is raw row `item_map[k]`, divided by max |x| over the kept rows.
 * Streams in two passes over row chunks, so an Amazon-size matrix (2.4 GB) is never held.
 * Output: `features.npy`, float32 `[items, D]`.
 */
import { z } from "zod";
import { defineStage } from "../pipeline/stage/mod.ts";
import { type NpyRowReader, NpyRowWriter, openNpyRows } from "../io/npy.ts";
import { readIdMap } from "../io/interactions.ts";

/** The features stage. */
export const stage = defineStage({
  name: "features",
  module: import.meta.url,
  params: z.object({
    /** Rows read per chunk. */
    chunkRows: z.number().int().min(1).default(4096),
  }).strict(),
  inputs: ["features", "item_map"],
  outputs: ["features.npy"],
  async run(ctx): Promise<Record<string, unknown>> {
    const map = await readIdMap(ctx.inputs.item_map);
    const rowsOf = new Int32Array(map.length);
    const reader = await openNpyRows(ctx.inputs.features, { dtype: "float32" });
    try {
      if (reader.shape.length !== 2) {
        throw new Error(
          `${ctx.inputs.features}: expected shape [items, D], found [${reader.shape.join(", ")}]`,
        );
      }
      for (let k = 0; k < map.length; k++) {
        const r = Number(map[k]);
        if (!Number.isInteger(r) || r < 0 || r >= reader.rows) {
          throw new Error(
            `${ctx.inputs.item_map}:${k + 2}: raw item '${
              map[k]
            }' is not a row of ${ctx.inputs.features} ` +
              `(expected an integer in [0, ${reader.rows}))`,
          );
        }
        rowsOf[k] = r;
      }
      const D = reader.cols;
      const step = Math.max(
        1,
        Math.min(ctx.params.chunkRows, Math.floor((1 << 24) / Math.max(1, D))),
      );
      let maxAbs = 0;
      ctx.progress.start(2 * map.length, "features");
      let chunkStart = 0;
      await forEachChunk(reader, rowsOf, step, (chunk) => {
        for (let k = 0; k < chunk.length; k++) {
          const a = Math.abs(chunk[k]);
          if (a > maxAbs && a !== Infinity) maxAbs = a;
          else if (a !== a || a === Infinity) {
            const row = rowsOf[chunkStart + Math.floor(k / D)];
            throw new Error(
              `${ctx.inputs.features}: feature value ${chunk[k]} at row ${row}, column ${
                k % D
              } (must be finite)`,
            );
          }
        }
        chunkStart += chunk.length / D;
      }, (done) => ctx.progress.update(done));
      const scale = maxAbs > 0 ? 1 / maxAbs : 1;
      const writer = await NpyRowWriter.create(
        `${ctx.outDir}/features.npy`,
        "float32",
        D,
        map.length,
      );
      try {
        const pending: Float32Array[] = [];
        await forEachChunk(reader, rowsOf, step, (chunk) => {
          for (let k = 0; k < chunk.length; k++) chunk[k] *= scale;
          pending.push(chunk);
        }, async (done) => {
          for (const c of pending.splice(0)) await writer.write(c);
          ctx.progress.update(map.length + done);
          if (ctx.signal.aborted) throw new Error("features aborted");
        });
        await writer.close();
      } catch (e) {
        writer.abort();
        throw e;
      }
      ctx.progress.stop();
      return { items: map.length, dim: D, maxAbs };
    } finally {
      reader.close();
    }
  },
});

/**
 * Calls `fn` with the rows `rowsOf[a..b)` gathered into one array, chunk by chunk. When the
 * raw rows of a chunk are ascending and dense enough, one contiguous range is read.
 */
async function forEachChunk(
  reader: NpyRowReader,
  rowsOf: Int32Array,
  step: number,
  fn: (chunk: Float32Array) => void,
  after: (done: number) => void | Promise<void>,
): Promise<void> {
  const D = reader.cols;
  for (let a = 0; a < rowsOf.length; a += step) {
    const b = Math.min(rowsOf.length, a + step);
    let ascending = true;
    for (let k = a + 1; k < b; k++) if (rowsOf[k] <= rowsOf[k - 1]) ascending = false;
    const out = new Float32Array((b - a) * D);
    const lo = rowsOf[a];
    const hi = rowsOf[b - 1] + 1;
    if (ascending && hi - lo <= 4 * (b - a)) {
      const block = (await reader.read(lo, hi)) as Float32Array;
      for (let k = a; k < b; k++) {
        out.set(block.subarray((rowsOf[k] - lo) * D, (rowsOf[k] - lo + 1) * D), (k - a) * D);
      }
    } else {
      for (let k = a; k < b; k++) {
        out.set((await reader.read(rowsOf[k], rowsOf[k] + 1)) as Float32Array, (k - a) * D);
      }
    }
    fn(out);
    await after(b);
  }
}
