/**
 * The one registry of methods: the six of the paper's Table 2 in its row order, and the
 * lambda = 0 control beside AMR (VBPR trained on from VBPR's weights for AMR's epochs, no
 * adversary). Each has its key, display name, figure colour and stage input name; tables,
 * report, figures, stages and planners take them from here.
 *
 * @module
 */

/** Keys of Table 2's methods, in the paper's row order (also the model node ids). */
export const METHOD_KEYS = ["pop", "mf-eals", "mf-bpr", "duif", "vbpr", "amr"] as const;

/** A key of one of Table 2's methods. */
export type MethodKey = typeof METHOD_KEYS[number];

/** Key of the lambda = 0 control. */
export const CONTROL_KEY = "vbpr-continued";

/** One method. */
export interface Method {
  /**
   * Lower-case key: the node ids `<key>` and `eval-<key>`, the row of
   * `configs/paper/table2.json` and the method's part of `metrics.json` names.
   */
  readonly key: MethodKey | typeof CONTROL_KEY;
  /** Display name, e.g. "MF-eALS". */
  readonly name: string;
  /** Colour in the figures (Vega's category colours; AMR and VBPR as Vega assigns them). */
  readonly color: string;
  /** Name of a stage input that reads one of its outputs, e.g. `mf_eals`. */
  readonly input: string;
  /** Trained, with hyper-parameters and a `train_summary.json` (all but POP). */
  readonly trained: boolean;
}

/** Table 2's methods, in the paper's row order. */
export const METHODS: readonly Method[] = [
  { key: "pop", name: "POP", color: "#bab0ac", input: "pop", trained: false },
  { key: "mf-eals", name: "MF-eALS", color: "#72b7b2", input: "mf_eals", trained: true },
  { key: "mf-bpr", name: "MF-BPR", color: "#54a24b", input: "mf_bpr", trained: true },
  { key: "duif", name: "DUIF", color: "#e45756", input: "duif", trained: true },
  { key: "vbpr", name: "VBPR", color: "#f58518", input: "vbpr", trained: true },
  { key: "amr", name: "AMR", color: "#4c78a8", input: "amr", trained: true },
];

/** The lambda = 0 control (Figure 3 shows it as "VBPR", in VBPR's colour). */
export const CONTROL: Method = {
  key: CONTROL_KEY,
  name: "VBPR-continued",
  color: "#b279a2",
  input: "vbpr_continued",
  trained: true,
};

/** The method Table 2 compares with every other (its RI and stars). */
export const OURS: Method = METHODS[METHODS.length - 1];

/**
 * Lower-case key of a method name ("MF-eALS" -> "mf-eals", "VBPR-continued" ->
 * "vbpr-continued"); names outside the registry are normalised the same way.
 *
 * @param name method name
 */
export function methodKey(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_]+/g, "-");
}

/** The registered method of a key or display name, if any. */
function lookup(keyOrName: string): Method | undefined {
  const key = methodKey(keyOrName);
  return [...METHODS, CONTROL].find((m) => m.key === key);
}

/**
 * Display name of a method key ("mf-eals" -> "MF-eALS"); an unknown key is returned as it is.
 *
 * @param key method key
 */
export function methodName(key: string): string {
  return lookup(key)?.name ?? key;
}

/**
 * Figure colour of a method, by key or display name.
 *
 * @param keyOrName method key or display name
 * @throws Error for a method outside the registry
 */
export function methodColor(keyOrName: string): string {
  const m = lookup(keyOrName);
  if (m === undefined) throw new Error(`no colour for "${keyOrName}": not a registered method`);
  return m.color;
}
