/**
 * Content hashing: SHA-256 of bytes, strings, files (streamed) and canonical JSON.
 */
import { createHash } from "node:crypto";

/** SHA-256 hex digest of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Streams a file through SHA-256; returns the hex digest and the size in bytes. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(1 << 22);
  let size = 0;
  while (true) {
    const n = await file.read(buf);
    if (n === null) break;
    hash.update(n === buf.length ? buf : buf.subarray(0, n));
    size += n;
  }
  return { sha256: hash.digest("hex"), size };
}

/**
 * Canonical JSON: object keys sorted, no whitespace, so equal values hash equally.
 * Rejects values JSON cannot represent faithfully (NaN, Infinity, undefined, functions).
 */
export function canonicalJson(value: unknown, path = "$"): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(",")}]`;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${
      entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, `${path}.${k}`)}`).join(",")
    }}`;
  }
  throw new TypeError(`canonicalJson: ${path} has unsupported type ${typeof value}`);
}
