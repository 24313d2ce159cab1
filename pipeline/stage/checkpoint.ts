/**
 * Checkpoints of long stages: an engine service handed to a stage as `ctx.checkpoint`.
 *
 * The stage decides what to save (JSON metadata plus named typed arrays) and when a unit of work
 * (an epoch) is done; the engine decides where the file lives (under the node's cache key,
 * outside the committed store: `store/.checkpoints/<key>.ckpt`), writes it atomically (temporary
 * file, fsync, rename), checks it on load (SHA-256 of the payload) and removes it once the
 * entry commits. Because the file is named by the node's key, only a rerun of the very same
 * computation (same code, params, seed, inputs, runtime) can resume from it.
 *
 * File format (little-endian): the 8 bytes `PCKPT01\n`, a u32 header length, the UTF-8 JSON
 * header `{format, key, savedAt, sha256, meta, arrays: [{name, dtype, offset, length}]}`, then
 * the payload: each array's bytes at its `offset` (8-byte aligned, relative to the payload).
 */
import { dirname } from "node:path";
import { sha256 } from "./hash.ts";

/** Typed arrays a checkpoint can hold. */
export type CheckpointArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Uint8Array;

/** What a stage saves and gets back: JSON-safe metadata plus named arrays. */
export interface CheckpointData {
  meta: Record<string, unknown>;
  arrays: Record<string, CheckpointArray>;
}

/** When checkpoints are due. */
export interface CheckpointPolicy {
  /** Save after every this many epochs (unset: by time only). */
  everyEpochs?: number;
  /** Save when this many seconds passed since the stage started or last saved (default 60). */
  everySeconds?: number;
  /** `false` turns checkpoints off (nothing is saved or loaded). */
  enabled?: boolean;
}

/** The checkpoint service of one stage run (`ctx.checkpoint`). */
export interface Checkpointer {
  /** The state saved by an earlier, interrupted run of this same node key; null when none. */
  load(): Promise<CheckpointData | null>;
  /** True when a checkpoint should be written now that `epoch` units are done. */
  due(epoch: number): boolean;
  /** Atomically replaces this key's checkpoint with `data`. */
  save(data: CheckpointData): Promise<void>;
}

/** The serialisable description of a checkpointer (crosses to Workers). */
export interface CheckpointSpec {
  /** File of this node key's checkpoint. */
  path: string;
  /** The node's cache key (recorded in the file and checked on load). */
  key: string;
  policy: CheckpointPolicy;
}

const MAGIC = new TextEncoder().encode("PCKPT01\n");
const DTYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  uint8: Uint8Array,
} as const;
type DtypeName = keyof typeof DTYPES;

interface ArrayRecord {
  name: string;
  dtype: DtypeName;
  offset: number;
  length: number;
}

interface Header {
  format: 1;
  key: string;
  savedAt: string;
  sha256: string;
  meta: Record<string, unknown>;
  arrays: ArrayRecord[];
}

function dtypeOf(a: CheckpointArray): DtypeName {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
  return "uint8";
}

/**
 * Encodes checkpoint data into the file format (see the module comment). `savedAt` defaults to
 * now; a file that must be reproducible byte for byte (a stage output) passes a fixed one.
 */
export function encodeCheckpoint(
  key: string,
  data: CheckpointData,
  savedAt: string = new Date().toISOString(),
): Uint8Array {
  const records: ArrayRecord[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(data.arrays)) {
    records.push({ name, dtype: dtypeOf(a), offset, length: a.length });
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const payload = new Uint8Array(offset);
  for (const r of records) {
    const a = data.arrays[r.name];
    payload.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), r.offset);
  }
  const header: Header = {
    format: 1,
    key,
    savedAt,
    sha256: sha256(payload),
    meta: data.meta,
    arrays: records,
  };
  const head = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(MAGIC.length + 4 + head.length + payload.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, head.length, true);
  out.set(head, MAGIC.length + 4);
  out.set(payload, MAGIC.length + 4 + head.length);
  return out;
}

/** Decodes a checkpoint file's bytes; throws a message naming what is wrong. */
export function decodeCheckpoint(bytes: Uint8Array, key: string): CheckpointData {
  if (bytes.length < MAGIC.length + 4 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new Error("not a checkpoint file (bad magic)");
  }
  const headLen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4 + headLen;
  if (start > bytes.length) throw new Error("truncated header");
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, start)),
  ) as Header;
  if (header.format !== 1) throw new Error(`unknown checkpoint format ${header.format}`);
  if (header.key !== key) throw new Error(`written for key ${header.key}, not ${key}`);
  const payload = bytes.slice(start);
  if (sha256(payload) !== header.sha256) throw new Error("payload SHA-256 mismatch");
  const arrays: Record<string, CheckpointArray> = {};
  for (const r of header.arrays) {
    const Ctor = DTYPES[r.dtype];
    if (!Ctor) throw new Error(`array ${r.name}: unknown dtype ${r.dtype}`);
    const end = r.offset + r.length * Ctor.BYTES_PER_ELEMENT;
    if (end > payload.length) throw new Error(`array ${r.name}: truncated`);
    arrays[r.name] = new Ctor(payload.buffer, payload.byteOffset + r.offset, r.length);
  }
  return { meta: header.meta, arrays };
}

/** Writes `bytes` to `path` atomically: temporary file in the same folder, fsync, rename. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  try {
    const f = await Deno.open(tmp, { write: true, createNew: true });
    try {
      let done = 0;
      while (done < bytes.length) done += await f.write(bytes.subarray(done));
      await f.sync();
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** The checkpoint policy from the environment (`PIPELINE_CHECKPOINT_EPOCHS`, `_SECONDS`, `=0` off). */
export function policyFromEnv(): CheckpointPolicy {
  const num = (name: string): number | undefined => {
    const v = Deno.env.get(name);
    if (v === undefined || v === "") return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) {
      throw new Error(`${name} expects a non-negative number, got "${v}"`);
    }
    return n;
  };
  const epochs = num("PIPELINE_CHECKPOINT_EPOCHS");
  const seconds = num("PIPELINE_CHECKPOINT_SECONDS");
  if (epochs === 0 || seconds === 0) return { enabled: false };
  return {
    ...(epochs !== undefined ? { everyEpochs: Math.floor(epochs) } : {}),
    ...(seconds !== undefined ? { everySeconds: seconds } : {}),
  };
}

/** A checkpointer writing one file per node key (see the module comment). */
export class FileCheckpointer implements Checkpointer {
  readonly #spec: CheckpointSpec;
  readonly #log: (message: string) => void;
  #last = performance.now();

  constructor(spec: CheckpointSpec, log: (message: string) => void) {
    this.#spec = spec;
    this.#log = log;
  }

  async load(): Promise<CheckpointData | null> {
    if (this.#spec.policy.enabled === false) return null;
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(this.#spec.path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
    try {
      return decodeCheckpoint(bytes, this.#spec.key);
    } catch (e) {
      this.#log(
        `ignoring unusable checkpoint ${this.#spec.path}: ${(e as Error).message}; starting over`,
      );
      await Deno.remove(this.#spec.path).catch(() => {});
      return null;
    }
  }

  due(epoch: number): boolean {
    const p = this.#spec.policy;
    if (p.enabled === false) return false;
    if (p.everyEpochs && epoch % p.everyEpochs === 0) return true;
    return performance.now() - this.#last >= (p.everySeconds ?? 60) * 1000;
  }

  async save(data: CheckpointData): Promise<void> {
    if (this.#spec.policy.enabled === false) return;
    await writeFileAtomic(this.#spec.path, encodeCheckpoint(this.#spec.key, data));
    this.#last = performance.now();
  }
}

/** A checkpointer that never saves or loads (stages run outside the engine, e.g. in tests). */
export const NO_CHECKPOINTS: Checkpointer = {
  load: () => Promise.resolve(null),
  due: () => false,
  save: () => Promise.resolve(),
};
