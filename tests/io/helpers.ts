/** Small assertion helpers for the loader tests (no @std/assert: jsr.io is unreachable). */

/** Throws `msg` unless `cond` holds. */
export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

/** Compares two values by their JSON form. */
export function assertEquals(actual: unknown, expected: unknown, msg = ""): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${msg ? msg + ": " : ""}expected ${e}, got ${a}`);
}

/** Element-wise equality (Object.is, so -0 and NaN are checked exactly). */
export function assertArrayEquals(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  msg = "",
): void {
  assert(actual.length === expected.length, `${msg} length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      throw new Error(`${msg} element ${i}: ${actual[i]} != ${expected[i]}`);
    }
  }
}

/** Awaits `fn`, which must reject with a message containing every one of `parts`. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  ...parts: string[]
): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    const m = (e as Error).message;
    for (const p of parts) assert(m.includes(p), `error '${m}' lacks '${p}'`);
    return e as Error;
  }
  throw new Error(`expected an error containing ${parts.map((p) => `'${p}'`).join(", ")}`);
}

const tempDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const d of tempDirs) {
    try {
      Deno.removeSync(d, { recursive: true });
    } catch { /* already gone */ }
  }
});

/** Makes a temporary folder that is removed when the test module ends. */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  tempDirs.push(dir);
  return dir;
}
