/**
 * `config show`'s tuned values: a selection's choice replaces the fallback, with the
 * selection named as the source and its entry recorded; without a choice (the selection has
 * not run) the row keeps the fallback and says where it comes from; other rows are untouched.
 */
import assert from "node:assert/strict";
import { compareChoices, withChoices } from "../../commands/config.ts";
import type { ConfigRow, TunedPath } from "../../config/profile_resolve.ts";

const ROWS: ConfigRow[] = [
  { path: "models.amr.eps", value: "0.5", source: "tuned choice (...)" },
  { path: "models.amr.lr", value: "[0.01,0.0001,0.001]", source: "tuned choice (...)" },
  { path: "models.amr.k", value: "64", source: "configs/profiles/paper.json" },
  { path: "models.vbpr.lr", value: "[0.01,0.01,0.01]", source: "tuned choice (...)" },
];

const TUNED: Record<string, TunedPath> = {
  "models.amr.eps": { node: "select-amr", field: "eps", fallback: "configs/profiles/paper.json" },
  "models.amr.lr": { node: "select-amr", field: "lr", fallback: "--set" },
  "models.vbpr.lr": { node: "select-vbpr", field: "lr", fallback: "schema default" },
};

Deno.test("config show: a selection's choice replaces its tuned values; others say not run", () => {
  const choices = new Map([["select-amr", {
    key: "k-amr",
    values: { eps: 0.1, lr: [0.05, 0.05, 0.05], lambda: 1 },
  }]]);
  assert.deepEqual(withChoices(ROWS, TUNED, choices), [
    { path: "models.amr.eps", value: "0.1", source: "tuned: select-amr", chosenFrom: "k-amr" },
    {
      path: "models.amr.lr",
      value: "[0.05,0.05,0.05]",
      source: "tuned: select-amr",
      chosenFrom: "k-amr",
    },
    ROWS[2],
    {
      path: "models.vbpr.lr",
      value: "[0.01,0.01,0.01]",
      source: "tuned by select-vbpr (not run yet; value shown: fallback from schema default)",
    },
  ]);
});

Deno.test("config show: a choice without the field keeps the fallback and says so", () => {
  const choices = new Map([["select-amr", { key: "k", values: { eps: 0.2 } }]]);
  const [eps, lr] = withChoices(ROWS, TUNED, choices);
  assert.equal(eps.value, "0.2");
  assert.deepEqual(lr, {
    ...ROWS[1],
    source: "tuned by select-amr (its chosen.json has no lr; value shown: fallback from --set)",
  });
});

Deno.test("config show: when the store cannot be looked at, the rows say so", () => {
  const rows = withChoices(ROWS, TUNED, new Map(), "choice not looked up");
  assert.equal(
    rows[0].source,
    "tuned by select-amr (choice not looked up; value shown: fallback from configs/profiles/paper.json)",
  );
  assert.equal(rows[0].value, "0.5");
});

Deno.test("config show: the last run's choice, when not the current one, is named but not shown as the value", () => {
  const choices = new Map([["select-amr", {
    key: "0123456789abcdef",
    values: { eps: 1 },
    stale: true,
  }]]);
  const [eps, lr] = withChoices(ROWS, TUNED, choices);
  assert.deepEqual(eps, {
    ...ROWS[0],
    source:
      "tuned by select-amr (no entry for the current code, settings and inputs; the last run chose 1, " +
      "store key 0123456789ab; value shown: fallback from configs/profiles/paper.json)",
  });
  assert.match(lr.source, /the last run's chosen\.json has no lr/);
});

Deno.test("config compare: each tuned field under both profiles; not run is null; last runs marked", () => {
  const a = new Map([["select-amr", { key: "a", values: { eps: 0.1, lr: [0.05, 0.05, 0.05] } }]]);
  const b = new Map([
    ["select-amr", { key: "b", values: { eps: 1, lr: [0.05, 0.05, 0.05] }, stale: true }],
    ["select-vbpr", { key: "c", values: { lr: [0.1, 0.1, 0.1] } }],
  ]);
  assert.deepEqual(compareChoices(TUNED, a, b), [
    { node: "select-amr", path: "models.amr.eps", a: "0.1", b: "1", stale: ["b"] },
    {
      node: "select-amr",
      path: "models.amr.lr",
      a: "[0.05,0.05,0.05]",
      b: "[0.05,0.05,0.05]",
      stale: ["b"],
    },
    { node: "select-vbpr", path: "models.vbpr.lr", a: null, b: "[0.1,0.1,0.1]", stale: [] },
  ]);
});
