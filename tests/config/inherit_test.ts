/**
 * Paper sec. 4.1.4: AMR trains with VBPR's learning rate and L2 regulariser. The default profile
 * says `"inherit"` for AMR's `lr` and `regs`; one rule (`withInherited`) replaces it by VBPR's
 * values after every override, so AMR (and the lambda = 0 control and the sweeps, which take
 * AMR's settings) follows VBPR. The `authors` profile keeps the authors' run.sh values.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { configRows, resolveProfile } from "../../config/profile_resolve.ts";
import { loadProfile, profileForDataset, withInherited } from "../../config/profile.ts";
import { planNodes } from "../../plan/mod.ts";
import { TUNED } from "../../plan/tune.ts";
import { loadDatasetConfig } from "../../config/dataset.ts";
import type { NodeSpec } from "../../pipeline/mod.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const CONFIGS = join(ROOT, "configs");
const resolve = (spec: string, sets: string[]) =>
  resolveProfile(CONFIGS, spec, sets, { cwd: ROOT, root: ROOT, tuned: TUNED });

type Params = { lr?: unknown; regs?: unknown };
const params = (n: NodeSpec): Params => n.params as Params;

/** lr and regs of the planned nodes that train with AMR's settings, and of VBPR. */
function optimiser(nodes: NodeSpec[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of nodes) {
    if (["vbpr", "amr", "vbpr-continued"].includes(n.id) || n.id.startsWith("amr@")) {
      out[n.id] = [params(n).lr, params(n).regs];
    }
  }
  return out;
}

Deno.test("default: AMR, the control and the sweeps plan VBPR's lr and regs", async () => {
  const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
  const r = await resolve("default", []);
  assert.equal(r.profile.models.amr.lr, "inherit"); // as written
  const nodes = optimiser(planNodes(dataset, r.profile));
  assert.ok(Object.keys(nodes).length > 4, Object.keys(nodes).join());
  for (const [id, v] of Object.entries(nodes)) assert.deepEqual(v, nodes.vbpr, id);
});

Deno.test("inherit follows VBPR's settings through --set and a dataset section", async () => {
  const dataset = await loadDatasetConfig("smoke", join(CONFIGS, "datasets"));
  const r = await resolve("default", ["models.vbpr.lr=[0.2,0.3,0.4]"]);
  const amr = params(planNodes(dataset, r.profile).find((n) => n.id === "amr")!);
  assert.deepEqual(amr.lr, [0.2, 0.3, 0.4]);
  const own = await resolve("default", ["models.amr.regs=[0.5,0.5,0.5]"]);
  const amr2 = params(planNodes(dataset, own.profile).find((n) => n.id === "amr")!);
  assert.deepEqual(amr2.regs, [0.5, 0.5, 0.5]); // a value of its own wins
  assert.deepEqual(amr2.lr, own.profile.models.vbpr.lr);
  const section = profileForDataset(
    { ...r.profile, datasets: { x: { models: { vbpr: { regs: [0.7, 0.7, 0.7] } } } } },
    "x",
    null,
  );
  assert.deepEqual(withInherited(section).models.amr.regs, [0.7, 0.7, 0.7]);
});

Deno.test("config show: an inherited value shows VBPR's and says where it comes from", async () => {
  const rows = configRows(await resolve("default", []));
  const row = rows.find((x) => x.path === "models.amr.lr")!;
  const vbpr = rows.find((x) => x.path === "models.vbpr.lr")!;
  assert.equal(row.value, vbpr.value);
  assert.match(row.source, /"inherit" \(configs\/profiles\/default\.json\): models\.vbpr\.lr/);
  assert.match(row.source, /sec\. 4\.1\.4/);
});

Deno.test("authors: extends default with the authors' run.sh lr and regs, unlike VBPR's", async () => {
  const r = await resolve("authors", []);
  assert.deepEqual(r.chain.map((f) => f.split("/").pop()), ["authors.json", "default.json"]);
  const authors = withInherited(r.profile);
  const def = await loadProfile(CONFIGS, "default");
  assert.notDeepEqual(authors.models.amr.lr, authors.models.vbpr.lr);
  assert.notDeepEqual(authors.models.amr.regs, authors.models.vbpr.regs);
  assert.match(r.profile.description, /run\.sh/);
  assert.match(r.profile.description, /4\.1\.4/);
  // Everything else is the default's.
  const strip = (p: typeof def) => ({
    ...p,
    name: "",
    description: "",
    models: { ...p.models, amr: { ...p.models.amr, lr: [], regs: [], source: "" } },
  });
  assert.deepEqual(strip(authors), strip(def));
});
