/**
 * The multi-threaded WASM backend under Deno: threads start, give bit-identical results to one
 * thread (matMul and a whole AMR epoch), leave the process free to exit, and fall back to one
 * thread with one log line when threads cannot run. Each case is a fresh child process
 * (tests/models/_threads_child.ts), since the thread pool is fixed once tfjs has started.
 */
import { fallbackLine } from "../../models/tf_backend.ts";
import { MAX_WASM_THREADS, parseThreads } from "../../models/threads.ts";
import assert from "node:assert/strict";

const CHILD = new URL("./_threads_child.ts", import.meta.url).pathname;

interface ChildResult {
  facts: { threads: number; simd: boolean; fallback?: string };
  product: string;
  E: string;
  P: string;
  stderr: string;
}

/** Runs the child with `AMR_THREADS=threads`; fails if it does not exit by itself in time. */
async function runChild(threads: number, v8Flags: string[] = []): Promise<ChildResult> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ...v8Flags.map((f) => `--v8-flags=${f}`), CHILD],
    env: { AMR_THREADS: String(threads) },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  });
  const out = await cmd.output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `child with ${threads} threads failed:\n${stderr}`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return { ...JSON.parse(lines[lines.length - 1]), stderr };
}

Deno.test("threaded WASM: 2 and 4 threads start and match 1 thread bit for bit", async () => {
  const [one, two, four] = await Promise.all([runChild(1), runChild(2), runChild(4)]);
  assert.equal(one.facts.threads, 1);
  assert.equal(two.facts.threads, 2);
  assert.equal(four.facts.threads, 4);
  for (const r of [one, two, four]) {
    assert.ok(r.facts.simd, "SIMD build in use");
    assert.equal(r.facts.fallback, undefined);
    assert.equal(r.stderr.trim(), "", "no log line when threads start");
  }
  for (const r of [two, four]) {
    assert.equal(r.product, one.product, "matMul differs from one thread");
    assert.equal(r.E, one.E, "E after an AMR epoch differs from one thread");
    assert.equal(r.P, one.P, "P after an AMR epoch differs from one thread");
  }
});

Deno.test("threaded WASM: without SharedArrayBuffer, one log line and one thread", async () => {
  const r = await runChild(2, ["--enable-sharedarraybuffer-per-context"]);
  assert.equal(r.facts.threads, 1);
  assert.equal(r.facts.fallback, "no SharedArrayBuffer");
  assert.equal(r.stderr.trim(), fallbackLine(2, "no SharedArrayBuffer"));
});

Deno.test("thread counts: parsed and bounded", () => {
  assert.equal(parseThreads("3", "--threads"), 3);
  assert.throws(() => parseThreads("0", "--threads"), /--threads/);
  assert.throws(() => parseThreads("1.5", "AMR_THREADS"), /AMR_THREADS/);
  assert.throws(() => parseThreads(String(MAX_WASM_THREADS + 1), "--threads"), RangeError);
});
