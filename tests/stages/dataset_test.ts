import { stage } from "../../stages/dataset.ts";
import { loadDatasetConfig, parseDatasetConfig } from "../../config/dataset.ts";
import { readNpy, writeNpy } from "../../io/npy.ts";
import { Rng } from "../../pipeline/stage/rng.ts";
import { silentProgress } from "../../pipeline/stage/progress.ts";
import { assert, assertRejects, sha256 } from "./data_helpers.ts";
import { NO_CHECKPOINTS } from "../../pipeline/stage/checkpoint.ts";

async function runDataset(
  params: unknown,
  seed: number,
): Promise<{ dir: string; summary: Record<string, unknown> }> {
  const dir = await Deno.makeTempDir();
  const summary = await stage.run({
    params: stage.params.parse(params),
    inputs: {},
    outDir: dir,
    rng: new Rng(seed),
    progress: silentProgress,
    signal: new AbortController().signal,
    log: () => {},
    checkpoint: NO_CHECKPOINTS,
  });
  return { dir, summary: summary ?? {} };
}

Deno.test("dataset configs in configs/datasets are valid", async () => {
  for (const name of ["smoke", "synthetic-pinterest", "synthetic-amazon"]) {
    const cfg = await loadDatasetConfig(name);
    assert(cfg.name === name, `${name}: name field is ${cfg.name}`);
  }
  await assertRejects(
    () =>
      Promise.resolve(parseDatasetConfig({ kind: "synthetic", name: "x", users: -1 }, "bad.json")),
    "bad.json",
    "users",
  );
});

Deno.test("synthetic dataset is deterministic, seed-dependent, nonnegative and streamed", async () => {
  const smoke = await loadDatasetConfig("smoke");
  const a = await runDataset(smoke, 7);
  const b = await runDataset(smoke, 7);
  const c = await runDataset(smoke, 8);
  const small = await runDataset({ ...smoke, chunkRows: 7 }, 7); // streaming with many chunks
  try {
    for (const f of ["interactions.csv", "features.npy"]) {
      const h = await sha256(`${a.dir}/${f}`);
      assert(h === (await sha256(`${b.dir}/${f}`)), `${f}: same seed differs`);
      assert(h !== (await sha256(`${c.dir}/${f}`)), `${f}: different seed identical`);
      assert(h === (await sha256(`${small.dir}/${f}`)), `${f}: chunk size changes the output`);
    }
    const feats = await readNpy(`${a.dir}/features.npy`, { dtype: "float32", shape: [330, 64] });
    let zeros = 0;
    for (const x of feats.data) {
      assert(x >= 0 && Number.isFinite(x), `feature ${x}`);
      if (x === 0) zeros++;
    }
    const zeroShare = zeros / feats.data.length;
    assert(zeroShare > 0.2 && zeroShare < 0.9, `zero share ${zeroShare}`);
    const lines = (await Deno.readTextFile(`${a.dir}/interactions.csv`)).trim().split("\n");
    assert(lines[0] === "user,item");
    assert(lines.length - 1 === a.summary.interactions, "line count");
  } finally {
    for (const r of [a, b, c, small]) await Deno.remove(r.dir, { recursive: true });
  }
});

Deno.test("nested topics: deterministic, boards need collabTopics >= visualTopics", async () => {
  const smoke = await loadDatasetConfig("smoke");
  const nested = { ...smoke, topicNesting: "nested", collabTopics: 24 };
  const a = await runDataset(nested, 7);
  const b = await runDataset(nested, 7);
  const flat = await runDataset(smoke, 7);
  try {
    const h = await sha256(`${a.dir}/interactions.csv`);
    assert(h === (await sha256(`${b.dir}/interactions.csv`)), "same seed differs");
    assert(h !== (await sha256(`${flat.dir}/interactions.csv`)), "nesting changes nothing");
  } finally {
    for (const r of [a, b, flat]) await Deno.remove(r.dir, { recursive: true });
  }
  await assertRejects(
    () => runDataset({ ...smoke, topicNesting: "nested", collabTopics: 4 }, 7),
    "collabTopics (4) >= visualTopics (8)",
  );
});

Deno.test("data-dir dataset is validated and copied; bad lines name file and line", async () => {
  const src = await Deno.makeTempDir();
  try {
    await writeNpy(`${src}/features.npy`, {
      dtype: "float32",
      shape: [3, 2],
      data: new Float32Array(6).fill(1),
    });
    await Deno.writeTextFile(`${src}/interactions.tsv`, "alice\t0\nalice\t2\nbob\t1\n");
    const cfg = { kind: "data-dir", name: "mine", dir: src, minPerUser: 1 };
    const ok = await runDataset(cfg, 1);
    assert(
      (await Deno.readTextFile(`${ok.dir}/interactions.csv`)) ===
        "user,item\nalice,0\nalice,2\nbob,1\n",
      "canonical csv",
    );
    assert(
      (await sha256(`${ok.dir}/features.npy`)) === (await sha256(`${src}/features.npy`)),
      "features copied",
    );
    await Deno.remove(ok.dir, { recursive: true });

    await Deno.remove(`${src}/interactions.tsv`);
    await Deno.writeTextFile(`${src}/interactions.csv`, "user,item\nalice,0\nbob,x\n");
    await assertRejects(() => runDataset(cfg, 1), `${src}/interactions.csv:3`, "'item'", "'x'");
    await Deno.writeTextFile(`${src}/interactions.csv`, "alice,0\nbob,3\n");
    await assertRejects(() => runDataset(cfg, 1), `${src}/interactions.csv:2`, "expected < 3");
    await Deno.writeTextFile(`${src}/interactions.csv`, "alice,0\nbob\n");
    await assertRejects(() => runDataset(cfg, 1), `${src}/interactions.csv:2`, "expected 2 fields");
    await Deno.remove(`${src}/features.npy`);
    await assertRejects(() => runDataset(cfg, 1), `${src}/features.npy`);
  } finally {
    await Deno.remove(src, { recursive: true });
  }
});

Deno.test("dataset config: a FIFO or a link to /dev/zero is refused at once, naming it", async () => {
  const dir = await Deno.makeTempDir();
  const fifo = `${dir}/fifo.json`;
  assert((await new Deno.Command("mkfifo", { args: [fifo] }).output()).code === 0);
  await assertRejects(
    () => loadDatasetConfig(fifo),
    `dataset config ${fifo}: is a FIFO (named pipe); a dataset config must be ` +
      `a regular file of at most 4 MiB`,
  );
  await Deno.symlink("/dev/zero", `${dir}/zero.json`);
  await assertRejects(
    () => loadDatasetConfig("zero", dir),
    `dataset config ${dir}/zero.json: is a character device`,
  );
  await assertRejects(() => loadDatasetConfig(`${dir}/absent.json`), "not found");
});
