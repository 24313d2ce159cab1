/**
 * Item features on the WebGPU device: uploaded once per process (per feature matrix) and kept
 * there for training and evaluation, so that per batch only indices go up.
 *
 * A WebGPU buffer binding is limited (`maxStorageBufferBindingSize`, 128 MiB on lavapipe; a
 * synthetic-amazon matrix is 2.4 GB), so the matrix is held as row chunks that each fit the
 * adapter's limit; a gather splits its indices by chunk and puts the rows back in order.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { FeatureMatrix } from "./types.ts";

/** The WebGPU device's binding limit, from tfjs's WebGPU backend (which asks for the adapter's). */
function bindingLimit(): number {
  const be = tf.backend() as unknown as { device?: GPUDevice };
  if (tf.getBackend() !== "webgpu" || !be.device) {
    throw new Error("device features: the active tfjs backend is not WebGPU");
  }
  return Math.min(be.device.limits.maxStorageBufferBindingSize, be.device.limits.maxBufferSize);
}

/** A feature matrix held on the device as row chunks. */
export class DeviceFeatures {
  /** Rows per chunk (the last may hold fewer). */
  readonly rowsPerChunk: number;
  /** The chunks, each `rowsPerChunk x dim` (float32). */
  readonly chunks: tf.Tensor2D[];

  /**
   * Uploads `features` in chunks of at most `maxBytes` (default: the device's binding limit).
   *
   * @param features the host matrix (left untouched)
   * @param maxBytes largest chunk in bytes
   */
  constructor(readonly features: FeatureMatrix, maxBytes: number = bindingLimit()) {
    const { rows, dim, data } = features;
    this.rowsPerChunk = Math.max(1, Math.floor(maxBytes / (4 * Math.max(dim, 1))));
    this.chunks = [];
    for (let start = 0; start < rows; start += this.rowsPerChunk) {
      const end = Math.min(rows, start + this.rowsPerChunk);
      this.chunks.push(tf.tensor2d(data.subarray(start * dim, end * dim), [end - start, dim]));
    }
  }

  /** Rows `items[r]`, in order, as an `items.length x dim` tensor (the caller disposes it). */
  gather(items: Int32Array): tf.Tensor2D {
    const { rows } = this.features;
    for (const i of items) {
      if (!(i >= 0 && i < rows)) throw new RangeError(`feature row ${i} out of range`);
    }
    if (this.chunks.length === 1) {
      return tf.tidy(() => tf.gather(this.chunks[0], tf.tensor1d(items, "int32")) as tf.Tensor2D);
    }
    return tf.tidy(() => {
      // Rows per chunk, then the permutation that restores the order of `items`.
      const parts: tf.Tensor2D[] = [];
      const order = new Int32Array(items.length);
      let at = 0;
      for (let c = 0; c < this.chunks.length; c++) {
        const lo = c * this.rowsPerChunk;
        const local: number[] = [];
        for (let r = 0; r < items.length; r++) {
          const i = items[r];
          if (i >= lo && i < lo + this.rowsPerChunk) {
            local.push(i - lo);
            order[r] = at++;
          }
        }
        if (local.length > 0) {
          parts.push(tf.gather(this.chunks[c], tf.tensor1d(local, "int32")));
        }
      }
      return tf.gather(tf.concat(parts, 0), tf.tensor1d(order, "int32")) as tf.Tensor2D;
    });
  }

  /** `C E^T` for every row (rows x K), with `E` a K x D tensor; the caller disposes it. */
  project(E: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const parts = this.chunks.map((c) => tf.matMul(c, E, false, true));
      return (parts.length === 1 ? parts[0] : tf.concat(parts, 0)) as tf.Tensor2D;
    });
  }

  /** Frees the device copy. */
  dispose(): void {
    for (const c of this.chunks) c.dispose();
    this.chunks.length = 0;
  }
}

const uploaded = new WeakMap<FeatureMatrix, DeviceFeatures>();

/**
 * The device copy of `features`, uploaded on first use and then kept for the process (a stage
 * trains and evaluates on one matrix, uploaded once).
 */
export function deviceFeatures(features: FeatureMatrix): DeviceFeatures {
  let d = uploaded.get(features);
  if (!d) uploaded.set(features, d = new DeviceFeatures(features));
  return d;
}

/** Frees the device copy of `features`, if there is one (the next use uploads it again). */
export function releaseDeviceFeatures(features: FeatureMatrix): void {
  uploaded.get(features)?.dispose();
  uploaded.delete(features);
}

/**
 * `E c_i` for every item (rows x K, row-major) on the device, read back once: the visual
 * latents evaluation scores with (models/evaluation.ts `scoringFactors`' `latents`).
 *
 * @param E K x D row-major
 * @param features the item features (uploaded once, see {@link deviceFeatures})
 * @param k width K
 */
export async function deviceLatents(
  E: Float32Array,
  features: FeatureMatrix,
  k: number,
): Promise<Float32Array> {
  const d = features.dim;
  if (E.length !== k * d) throw new RangeError(`E has ${E.length} values, expected ${k}x${d}`);
  const dev = deviceFeatures(features);
  const e = tf.tensor2d(E, [k, d]);
  const x = dev.project(e);
  try {
    return await x.data() as Float32Array;
  } finally {
    e.dispose();
    x.dispose();
  }
}
