/**
 * The one registry of the paper's Figures 3-7: their ids in paper order, the profile settings
 * their texts name, and each figure's texts (the figure's own title, the report's heading and
 * the caption after the paper's) built from those settings. A profile that evaluates every 5
 * epochs gets "per 5 epochs"; none of the texts hard-codes the paper's values.
 *
 * @module
 */
import type { FiguresConfig, Profile } from "../config/profile.ts";

/** Identifiers of the figures, in paper order. */
export const FIGURE_IDS = ["figure3", "figure4", "figure5", "figure6", "figure7"] as const;

/** One of {@link FIGURE_IDS}. */
export type FigureId = typeof FIGURE_IDS[number];

/** The run-wide profile settings the texts name (`runSettingsSchema` keys, a `.pick` mask). */
export const TITLE_RUN_FIELDS = { evalEvery: true } as const;

/** The profile's figure settings the texts name (`figuresSchema` keys, a `.pick` mask). */
export const TITLE_FIGURE_FIELDS = { rankEps: true } as const;

/**
 * The profile settings the texts name: epochs between two evaluations of a training curve
 * (Figure 3) and the radius of the perturbation behind the rank changes (Figure 5).
 */
export type FigureSettings = Readonly<
  & Pick<Profile, keyof typeof TITLE_RUN_FIELDS>
  & Pick<FiguresConfig, keyof typeof TITLE_FIGURE_FIELDS>
>;

/** A figure's texts under one run's settings. */
export interface FigureTexts {
  /** Title of the figure itself (its Vega-Lite spec's title). */
  readonly title: string;
  /** Heading of the figure's section in the report. */
  readonly heading: string;
  /** Caption under the figure in the report: the paper's caption, shortened. */
  readonly caption: string;
}

/**
 * Which items Figure 4 perturbs (`models/robustness.ts`'s `gradientItems`): the same set under
 * both kinds, so that `grad` and `rand` differ only in direction.
 */
export const FIGURE4_ITEM_SET = "Both kinds perturb the same items: those in at least one " +
  "training triple (the warm items), the only ones the paper's eq. 6 gradient reaches; " +
  "cold-start items are perturbed by neither. data/figure4.json counts the items each point " +
  "perturbed.";

/** Each figure's texts as a function of the settings. */
const TEXTS: Readonly<Record<FigureId, (s: FigureSettings) => FigureTexts>> = {
  figure3: (s) => ({
    title: `Fig. 3: Testing performance of VBPR and AMR per ${s.evalEvery} epochs`,
    heading: "Figure 3: Training curves",
    caption: `Fig. 3: Testing performance of VBPR and AMR evaluated per ${s.evalEvery} epochs; ` +
      "both continue from the same VBPR weights, MF-BPR (dashed) is the pretrained reference.",
  }),
  figure4: () => ({
    title: "Fig. 4: VBPR under random and adversarial perturbations",
    heading: "Figure 4: VBPR under random and adversarial perturbations",
    caption: "Fig. 4: Impact of random (VBPR-rand) and adversarial (VBPR-grad) perturbations " +
      "of the image features on VBPR; the dashed line is unperturbed VBPR. " +
      FIGURE4_ITEM_SET,
  }),
  figure5: (s) => ({
    title: `Fig. 5: Rank change of the test item under perturbation (ε = ${s.rankEps})`,
    heading: `Figure 5: Per-user rank change at ε = ${s.rankEps}`,
    caption: `Fig. 5: Per-user rank change of the test item under perturbations with ε = ` +
      `${s.rankEps}; each box plot summarises the distribution on its left.`,
  }),
  figure6: () => ({
    title: "Fig. 6: Performance of AMR w.r.t. ε",
    heading: "Figure 6: AMR vs ε",
    caption: "Fig. 6: Performance of AMR w.r.t. different values of ε.",
  }),
  figure7: () => ({
    title: "Fig. 7: Performance of AMR w.r.t. λ",
    heading: "Figure 7: AMR vs λ",
    caption: "Fig. 7: Performance of AMR w.r.t. different values of λ.",
  }),
};

/**
 * A figure's title, report heading and caption under the run's settings.
 *
 * @param id which figure
 * @param settings the run's `evalEvery` and `figures.rankEps`
 */
export function figureTexts(id: FigureId, settings: FigureSettings): FigureTexts {
  return TEXTS[id](settings);
}

/** What the note under Figure 6 or 7 says about its runs (read from `sweep.json` and AMR's run). */
export interface SweepFacts {
  /** Epochs each sweep run trained. */
  readonly epochs: number;
  /** Epochs Table 2's AMR trained. */
  readonly amrEpochs: number;
  /** The hyper-parameter held fixed and its value, e.g. `{ lambda: 1 }`. */
  readonly fixed: Readonly<Record<string, number>>;
}

/**
 * The note under Figure 6 or 7: every point is an AMR run from the trained VBPR with the other
 * settings fixed, and whether the point at AMR's own setting is Table 2's AMR (same epochs) or
 * not (a sweep shorter or longer than AMR's run, e.g. an untuned profile's `sweepEpochs`).
 */
export function sweepNote(f: SweepFacts): string {
  const fixed = Object.entries(f.fixed).map(([k, v]) => `${k} = ${v}`).join(", ");
  const head = `Each point is an AMR run started from the trained VBPR for ${f.epochs} epochs ` +
    `(${fixed}, other hyper-parameters as AMR's), all drawing AMR's training triples.`;
  return f.epochs === f.amrEpochs
    ? `${head} The point at AMR's own setting trains as Table 2's AMR.`
    : `${head} Table 2's AMR trains ${f.amrEpochs} epochs, so the point at AMR's own setting ` +
      "is not Table 2's AMR.";
}
