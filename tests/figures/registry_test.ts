/** The figures registry (`figures/registry.ts`): texts built from the profile, never the paper's. */
import assert from "node:assert/strict";
import { loadProfile, type Profile } from "../../config/profile.ts";
import { FIGURE_IDS, type FigureSettings, figureTexts, sweepNote } from "../../figures/registry.ts";
import { figure3Spec, figure5Spec } from "../../figures/specs.ts";
import { buildReportMarkdown } from "../../report/markdown.ts";
import { fakeReportInput } from "../report/_fixture.ts";

const CONFIGS = new URL("../../configs", import.meta.url).pathname;

function settingsOf(p: Profile): FigureSettings {
  return { evalEvery: p.evalEvery, rankEps: p.figures.rankEps };
}

Deno.test("registry: the smoke profile's titles name its own evalEvery and rankEps", async () => {
  const smoke = await loadProfile(CONFIGS, "smoke");
  assert.equal(smoke.evalEvery, 5, "the smoke profile evaluates every 5 epochs");
  const s = settingsOf(smoke);
  const fig3 = figureTexts("figure3", s);
  assert.equal(fig3.title, "Fig. 3: Testing performance of VBPR and AMR per 5 epochs");
  assert.match(fig3.caption, /evaluated per 5 epochs;/);
  for (const id of FIGURE_IDS) {
    const t = figureTexts(id, s);
    for (const text of [t.title, t.heading, t.caption]) {
      assert.ok(!text.includes("50 epochs"), `${id}: ${text}`);
    }
  }
  const eps = smoke.figures.rankEps;
  const fig5 = figureTexts("figure5", s);
  assert.equal(fig5.title, `Fig. 5: Rank change of the test item under perturbation (ε = ${eps})`);
  assert.equal(fig5.heading, `Figure 5: Per-user rank change at ε = ${eps}`);
  assert.ok(fig5.caption.includes(`with ε = ${eps};`));
  // Another radius shows in all three texts.
  const other = figureTexts("figure5", { ...s, rankEps: 0.25 });
  for (const text of [other.title, other.heading, other.caption]) assert.match(text, /ε = 0\.25/);
});

Deno.test("registry: the default profile's titles are the paper's (per 50 epochs, ε = 0.1)", async () => {
  const s = settingsOf(await loadProfile(CONFIGS, "default"));
  assert.equal(
    figureTexts("figure3", s).title,
    "Fig. 3: Testing performance of VBPR and AMR per 50 epochs",
  );
  assert.equal(figureTexts("figure5", s).heading, "Figure 5: Per-user rank change at ε = 0.1");
});

Deno.test("registry: specs and report take the title, heading and caption from the settings", () => {
  const settings = { evalEvery: 5, rankEps: 0.2 };
  const curves = [{ model: "AMR", epoch: 0, hr10: 0.1, ndcg10: 0.05 }];
  const spec3 = figure3Spec(curves, { hr10: 0.1, ndcg10: 0.05 }, { settings });
  assert.equal((spec3.title as { text: string }).text, figureTexts("figure3", settings).title);
  const spec5 = figure5Spec([{ model: "AMR", change: 1 }], { settings });
  assert.equal((spec5.title as { text: string }).text, figureTexts("figure5", settings).title);

  const md = buildReportMarkdown({ ...fakeReportInput(), figureSettings: settings });
  assert.ok(md.includes("## Figure 5: Per-user rank change at ε = 0.2"));
  assert.ok(md.includes("Fig. 3: Testing performance of VBPR and AMR evaluated per 5 epochs;"));
  assert.ok(!md.includes("per 50 epochs") && !md.includes("ε = 0.1;"));
});

Deno.test("sweepNote: says whether the point at AMR's setting is Table 2's AMR", () => {
  const same = sweepNote({ epochs: 3, amrEpochs: 3, fixed: { lambda: 1 } });
  assert.match(same, /for 3 epochs \(lambda = 1, other hyper-parameters as AMR's\)/);
  assert.match(same, /The point at AMR's own setting trains as Table 2's AMR\.$/);
  const short = sweepNote({ epochs: 40, amrEpochs: 150, fixed: { eps: 0.1 } });
  assert.match(short, /Table 2's AMR trains 150 epochs, so the point at AMR's own setting is not/);
});

Deno.test("registry: Figure 4's caption says which items both kinds perturb", () => {
  const caption = figureTexts("figure4", { evalEvery: 5, rankEps: 0.1 }).caption;
  assert.match(caption, /Both kinds perturb the same items: those in at least one training triple/);
  assert.match(caption, /cold-start items are perturbed by neither/);
  assert.match(caption, /data\/figure4\.json counts the items each point perturbed/);
});
