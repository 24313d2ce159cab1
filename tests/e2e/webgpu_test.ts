/**
 * End to end on the WebGPU backend: without an adapter, `--backend webgpu` (or
 * `AMR_BACKEND=webgpu`) stops with one sentence and exit status 2, never falling back to WASM;
 * with one (lavapipe in CI), `reproduce --profile smoke --dataset smoke --backend webgpu` runs
 * the whole graph from an empty store into its own results folder, its manifests name the
 * backend, and `check` passes within configs/expected/smoke-smoke.json's tolerances (that run
 * takes 40-60 s on lavapipe with 2 cores, so only when `AMR_TEST_WEBGPU_SMOKE=1`: `.ci/run`).
 */
import assert from "node:assert/strict";
import { NO_ADAPTER_EXIT, NO_ADAPTER_MESSAGE } from "../../models/backend.ts";
import { statOrNull } from "../../pipeline/stage/absent.ts";
import { hasWebgpu } from "../models/_webgpu.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
const NO_ADAPTER = new URL("./_no_adapter.ts", import.meta.url).pathname;
const TARGET = ["--profile", "smoke", "--dataset", "smoke"];

async function amr(
  args: string[],
  opts: { artifacts: string; env?: Record<string, string>; preload?: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--config",
      CONFIG,
      ...(opts.preload ? ["--preload", opts.preload] : []),
      MAIN,
      ...args,
    ],
    env: {
      AMR_ARTIFACTS: opts.artifacts,
      CI: "true",
      XDG_RUNTIME_DIR: opts.artifacts,
      ...opts.env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("without a WebGPU adapter, --backend webgpu says so in one sentence and exits 2", async () => {
  const artifacts = await Deno.makeTempDir({ prefix: "amr_no_adapter_" });
  try {
    for (
      const how of [
        { args: ["--backend", "webgpu"], env: {} },
        { args: [], env: { AMR_BACKEND: "webgpu" } },
      ] as { args: string[]; env: Record<string, string> }[]
    ) {
      const r = await amr(["reproduce", ...TARGET, ...how.args], {
        artifacts,
        env: how.env,
        preload: NO_ADAPTER,
      });
      assert.equal(r.code, NO_ADAPTER_EXIT, r.stderr);
      assert.equal(r.stderr.trim(), `error: ${NO_ADAPTER_MESSAGE}`);
      assert.equal(r.stdout, "");
    }
    // Nothing ran, nothing was stored: no silent fallback to WASM.
    const stored = [...Deno.readDirSync(artifacts)].map((e) => e.name);
    assert.deepEqual(stored.filter((n) => n === "store" || n === "results"), []);
  } finally {
    await Deno.remove(artifacts, { recursive: true });
  }
});

/** Set to 1 to run the smoke graph on WebGPU (about 40-60 s on 2 cores; `.ci/run` sets it). */
const SMOKE_ENV = "AMR_TEST_WEBGPU_SMOKE";

Deno.test({
  name: "the smoke graph on WebGPU passes check against the WASM expectations",
  // Too slow on lavapipe for `make test`'s budget: `.ci/run` runs it on its own.
  ignore: Deno.env.get(SMOKE_ENV) !== "1",
}, async () => {
  if (!(await hasWebgpu("the WebGPU smoke run"))) return;
  const artifacts = await Deno.makeTempDir({ prefix: "amr_webgpu_" });
  try {
    const run = await amr(["reproduce", ...TARGET, "--backend", "webgpu"], { artifacts });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const results = `${artifacts}/results/smoke/smoke+webgpu`;
    assert.match(run.stdout, /results: .*smoke\+webgpu/);
    const prov = JSON.parse(await Deno.readTextFile(`${results}/provenance.json`));
    assert.equal(prov.backend, "webgpu");
    assert.equal(prov.runtime.needs.tfjs.backend, "webgpu");
    // Every stored entry that ran tfjs names the backend in its manifest; none says wasm.
    const backends = new Map<string, string>();
    for (const e of Deno.readDirSync(`${artifacts}/store`)) {
      const path = `${artifacts}/store/${e.name}/manifest.json`;
      if (!e.isDirectory || !(await statOrNull(path))) continue;
      const m = JSON.parse(await Deno.readTextFile(path));
      const b = m.runtime?.["tfjs.backend"];
      if (b) backends.set(m.stage, b);
    }
    for (const stage of ["vbpr", "amr", "duif", "perturb-test"]) {
      assert.equal(backends.get(stage), "webgpu", `${stage}: ${backends.get(stage)}`);
    }
    assert(![...backends.values()].includes("wasm"));
    const check = await amr(["check", ...TARGET, "--backend", "webgpu"], { artifacts });
    assert.equal(check.code, 0, `${check.stdout}\n${check.stderr}`);
    assert.match(check.stdout, /within tolerance/);
  } finally {
    await Deno.remove(artifacts, { recursive: true });
  }
});
