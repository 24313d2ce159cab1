/**
 * Drill: each bad input the CLI accepts gets one clear message (naming the user's file, the
 * line or byte offset, and what was expected) and commits nothing. The messages printed here
 * are the ones listed in docs/reliability.md#bad-inputs-and-their-messages.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeNpy } from "../../io/npy.ts";
import { amr, entries } from "./helpers.ts";

const USERS = 40;
const ITEMS = 150;
const DIM = 8;

/** A valid `--data-dir` (every user takes 5 consecutive items; all items are taken). */
async function dataDir(root: string, name: string): Promise<string> {
  const dir = join(root, name);
  await Deno.mkdir(dir, { recursive: true });
  const lines = ["user,item"];
  for (let u = 0; u < USERS; u++) {
    for (let j = 0; j < 5; j++) lines.push(`u${u},${(u * 5 + j) % ITEMS}`);
  }
  await Deno.writeTextFile(join(dir, "interactions.csv"), lines.join("\n") + "\n");
  const data = new Float32Array(ITEMS * DIM).map((_, i) => (i % 7) / 7);
  await writeNpy(join(dir, "features.npy"), { dtype: "float32", shape: [ITEMS, DIM], data });
  return dir;
}

interface Case {
  name: string;
  /** Breaks the data folder (or returns extra CLI args / env). */
  make(dir: string): Promise<{ args?: string[]; env?: Record<string, string> } | void>;
  /** What the message must say (the user's path is checked separately where it applies). */
  expect: RegExp;
  /** File of the data folder the message must name. */
  names?: string;
}

const CASES: Case[] = [
  {
    name: "empty interactions.csv (0 bytes)",
    make: (dir) => Deno.writeTextFile(join(dir, "interactions.csv"), ""),
    expect: /holds no interactions \(the file is empty or has only a header\)/,
    names: "interactions.csv",
  },
  {
    name: "interactions.csv with a header only",
    make: (dir) => Deno.writeTextFile(join(dir, "interactions.csv"), "user,item\n"),
    expect: /holds no interactions/,
    names: "interactions.csv",
  },
  {
    name: "a non-numeric item id",
    make: async (dir) => {
      const p = join(dir, "interactions.csv");
      const lines = (await Deno.readTextFile(p)).split("\n");
      lines[3] = "u0,seven";
      await Deno.writeTextFile(p, lines.join("\n"));
    },
    expect: /interactions\.csv:4: /,
    names: "interactions.csv",
  },
  {
    name: "an item id without a feature row",
    make: async (dir) => {
      await Deno.writeTextFile(join(dir, "interactions.csv"), `u0,${ITEMS + 5}\n`, {
        append: true,
      });
    },
    expect: new RegExp(`interactions\\.csv:${USERS * 5 + 2}: `),
    names: "interactions.csv",
  },
  {
    name: "a truncated features.npy",
    make: async (dir) => {
      const p = join(dir, "features.npy");
      const b = await Deno.readFile(p);
      await Deno.writeFile(p, b.subarray(0, b.length - 10));
    },
    expect: /truncated \.npy data/,
    names: "features.npy",
  },
  {
    name: "a NaN in features.npy",
    make: async (dir) => {
      const p = join(dir, "features.npy");
      const b = await Deno.readFile(p);
      b.set([0x00, 0x00, 0xc0, 0x7f], b.length - 4 * DIM - 4); // row ITEMS-2, last column
      await Deno.writeFile(p, b);
    },
    expect: new RegExp(
      `feature value NaN at row ${ITEMS - 2}, column ${
        DIM - 1
      } \\(byte offset \\d+\\); expected finite numbers`,
    ),
    names: "features.npy",
  },
  {
    name: "a dataset too small for the profile's negatives",
    make: async (dir) => {
      const lines = ["user,item"];
      for (let u = 0; u < 10; u++) for (let j = 0; j < 3; j++) lines.push(`u${u},${u * 2 + j}`);
      await Deno.writeTextFile(join(dir, "interactions.csv"), lines.join("\n") + "\n");
    },
    expect:
      /some user has only \d+ items they never took, fewer than the 99 test negatives per user of profile "smoke"/,
    names: "interactions.csv",
  },
  {
    name: "an unknown profile",
    make: () => Promise.resolve({ args: ["--profile", "nope"] }),
    expect: /unknown profile "nope": one of .*smoke.*or a path to a file/,
  },
  {
    name: "a bad checkpoint interval",
    make: () => Promise.resolve({ env: { PIPELINE_CHECKPOINT_EPOCHS: "often" } }),
    expect: /PIPELINE_CHECKPOINT_EPOCHS expects a non-negative number, got "often"/,
  },
];

Deno.test({
  name: "drill: every bad input gets a clear message and commits nothing",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const tmp = await Deno.makeTempDir({ prefix: "amr_drill_input_" });
    let n = 0;
    for (const c of CASES) {
      await t.step(c.name, async () => {
        const root = join(tmp, `art${n}`);
        const dir = await dataDir(tmp, `data${n++}`);
        const extra = (await c.make(dir)) ?? {};
        const args = extra.args ?? ["--profile", "smoke"];
        const r = await amr(root, ["reproduce", "--data-dir", dir, ...args], extra.env ?? {});
        const message = r.stderr.split("\n").find((l) => l.startsWith("error")) ?? r.stderr;
        console.log(`drill: ${c.name}: ${message}`);
        assert.notEqual(r.code, 0, r.stdout);
        assert.match(r.stderr, c.expect);
        if (c.names) assert.ok(r.stderr.includes(join(dir, c.names)), `names ${c.names}`);
        assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
        assert.deepEqual(entries(root).filter((e) => e.node === "dataset"), [], "no entry");
      });
    }
    await Deno.remove(tmp, { recursive: true });
  },
});
