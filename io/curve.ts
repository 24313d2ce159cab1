/**
 * `curve.csv`, the training curve every model stage writes: one row per epoch (or eALS
 * iteration) plus row 0 before training, `epoch,loss,hr@10,ndcg@10`. `loss` is the mean clean
 * BPR loss per triple of that epoch (the eALS objective for eALS; empty at epoch 0); the two
 * metrics are filled only on evaluation epochs (empty elsewhere), evaluated on the phase's
 * target.
 *
 * @module
 */

/** One row of `curve.csv`. */
export interface CurveRow {
  /** Epoch (0 = before training). */
  epoch: number;
  /** Training loss of the epoch, null when there is none (epoch 0). */
  loss: number | null;
  /** HR@10 on the phase's target, null when not evaluated at this epoch. */
  hr10: number | null;
  /** NDCG@10 on the phase's target, null when not evaluated at this epoch. */
  ndcg10: number | null;
}

/** Header of `curve.csv`. */
export const CURVE_HEADER = "epoch,loss,hr@10,ndcg@10";

function cell(v: number | null): string {
  return v === null || Number.isNaN(v) ? "" : String(v);
}

/** `curve.csv` text for the rows. */
export function curveCsv(rows: readonly CurveRow[]): string {
  const lines = [CURVE_HEADER];
  for (const r of rows) lines.push([r.epoch, cell(r.loss), cell(r.hr10), cell(r.ndcg10)].join(","));
  return lines.join("\n") + "\n";
}

/**
 * Parses `curve.csv` text back into rows (empty cells become null).
 *
 * @throws Error on a wrong header or a malformed row
 */
export function parseCurveCsv(text: string, source = "curve.csv"): CurveRow[] {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l !== "");
  if (lines[0] !== CURVE_HEADER) {
    throw new Error(`${source}:1: expected header '${CURVE_HEADER}', found '${lines[0]}'`);
  }
  return lines.slice(1).map((line, k) => {
    const cells = line.split(",");
    if (cells.length !== 4) {
      throw new Error(`${source}:${k + 2}: expected 4 cells, found ${cells.length}`);
    }
    const num = (s: string): number | null => (s === "" ? null : Number(s));
    return {
      epoch: Number(cells[0]),
      loss: num(cells[1]),
      hr10: num(cells[2]),
      ndcg10: num(cells[3]),
    };
  });
}

/** The evaluation row with the highest NDCG@10 (earliest on ties); null without any. */
export function bestCurveRow(rows: readonly CurveRow[]): CurveRow | null {
  let best: CurveRow | null = null;
  for (const r of rows) {
    if (r.ndcg10 === null || Number.isNaN(r.ndcg10)) continue;
    if (best === null || r.ndcg10 > best.ndcg10!) best = r;
  }
  return best;
}
