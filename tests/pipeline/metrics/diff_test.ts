/**
 * `diff`: each metric old/new/diff with the tolerance rule `check` uses (expectations' own
 * tolerances, else the project's around the old value); CI fails on a change past tolerance or
 * a missing metric, not on an added one; Markdown, JSON and plain output; `--all`.
 */
import assert from "node:assert/strict";
import { diffFails, diffMetrics, formatDiff } from "../../../pipeline/metrics/diff.ts";
import { checkMetrics, parseExpectations } from "../../../pipeline/metrics/check.ts";

const OLD = { "a.same": 0.5, "b.small": 0.2, "c.big": 0.2, "d.gone": 1 };
const NEW = { "a.same": 0.5, "b.small": 0.203, "c.big": 0.25, "e.new": 3 };

Deno.test("diff: statuses and tolerances around the old value", () => {
  const rows = diffMetrics(OLD, NEW, { tolerance: () => ({ abs: 0.004 }) });
  assert.deepEqual(rows.map((r) => [r.name, r.status]), [
    ["a.same", "same"],
    ["b.small", "within"],
    ["c.big", "changed"],
    ["d.gone", "removed"],
    ["e.new", "added"],
  ]);
  assert.ok(Math.abs(rows[2].diff! - 0.05) < 1e-12);
  assert.equal(rows[2].tolerance, 0.004);
  assert.ok(diffFails(rows));
  assert.ok(!diffFails(diffMetrics(OLD, { ...OLD, "e.new": 1 }, { tolerance: () => ({}) })));
});

Deno.test("diff: against an expectations file it agrees with check", () => {
  const exp = parseExpectations(JSON.stringify({
    metrics: { "b.small": { value: 0.2, abs: 0.001 }, "c.big": { value: 0.2, rel: 0.5 } },
  }));
  const old = { "b.small": 0.2, "c.big": 0.2 };
  const rows = diffMetrics(old, NEW, { expectations: exp });
  assert.deepEqual(rows.filter((r) => r.old !== null).map((r) => [r.name, r.status]), [
    ["b.small", "changed"],
    ["c.big", "within"],
  ]);
  const violations = checkMetrics(exp, NEW).map((v) => v.name);
  assert.deepEqual(violations, rows.filter((r) => r.status === "changed").map((r) => r.name));
});

Deno.test("diff: plain, Markdown and JSON output; --all adds unchanged metrics", () => {
  const rows = diffMetrics(OLD, NEW, { tolerance: () => ({ abs: 0.004 }) });
  const plain = formatDiff(rows, "plain", { old: "A", new: "B" });
  assert.match(plain, /^c\.big\s+0\.2000\s+0\.2500\s+\+0\.0500\s+±0\.0040\s+CHANGED$/m);
  assert.match(plain, /^d\.gone\s+1\s+-\s+-\s+±0\.0040\s+REMOVED$/m);
  assert.doesNotMatch(plain, /a\.same/);
  assert.match(
    plain,
    /5 metrics compared, 4 differ, 2 beyond tolerance or missing \(old: A; new: B\)/,
  );
  assert.match(formatDiff(rows, "plain", { all: true, old: "A", new: "B" }), /^a\.same .* same$/m);
  const md = formatDiff(rows, "md", { old: "A", new: "B" });
  assert.match(md, /^\| metric \| old \| new \| diff \| tolerance \| status \|$/m);
  assert.match(
    md,
    /^\| b\.small \| 0\.2000 \| 0\.2030 \| \+0\.0030 \| ±0\.0040 \| within tolerance \|$/m,
  );
  const json = JSON.parse(formatDiff(rows, "json", { old: "A", new: "B" }));
  assert.equal(json.failing, 2);
  assert.deepEqual(json.metrics.map((m: { name: string }) => m.name), [
    "b.small",
    "c.big",
    "d.gone",
    "e.new",
  ]);
});
