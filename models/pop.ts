/**
 * POP baseline (paper sec. 4.1.3): every user gets the same item scores, the number of
 * training interactions of each item. Every training interaction counts, duplicates included;
 * items without training interactions (cold items) score 0.
 *
 * @module
 */

/**
 * Popularity score of every item.
 *
 * @param items item index of every training interaction
 * @param nItems number of items
 * @returns `score[i]` = number of training interactions with item i
 * @throws RangeError on an item index outside `[0, nItems)`
 */
export function popularityScores(items: Int32Array, nItems: number): Float32Array {
  const counts = new Float32Array(nItems);
  for (let k = 0; k < items.length; k++) {
    const i = items[k];
    if (i < 0 || i >= nItems) {
      throw new RangeError(`popularityScores: item ${i} at ${k} is outside [0, ${nItems})`);
    }
    counts[i] += 1;
  }
  return counts;
}

/**
 * Gathers POP scores for a list of items (e.g. the stored test positives or negatives).
 *
 * @param scores output of {@link popularityScores}
 * @param items item indices to score
 * @throws RangeError on an item index outside the score table
 */
export function popScoresFor(scores: Float32Array, items: Int32Array): Float32Array {
  const out = new Float32Array(items.length);
  for (let k = 0; k < items.length; k++) {
    const i = items[k];
    if (i < 0 || i >= scores.length) {
      throw new RangeError(`popScoresFor: item ${i} at ${k} is outside [0, ${scores.length})`);
    }
    out[k] = scores[i];
  }
  return out;
}
