/**
 * Unique ids of a mini-batch and the slot of each occurrence, so per-item and per-user work
 * (feature rows, perturbations, sparse gradients) runs once per distinct id.
 *
 * @module
 */

/** Distinct ids in first-seen order, and for each input array the slot of each element. */
export interface Slots {
  /** Distinct ids, in order of first occurrence. */
  uniq: Int32Array;
  /** One array per input: `slots[a][t]` is the index in `uniq` of `ids[a][t]`. */
  slots: Int32Array[];
}

/**
 * Assigns slots to the ids of one or more arrays. `map` is scratch of length > max id filled
 * with -1; it is restored to -1 before returning (so it can be reused across calls).
 */
export function uniqueSlots(ids: Int32Array[], map: Int32Array): Slots {
  let total = 0;
  for (const a of ids) total += a.length;
  const uniq = new Int32Array(total);
  let n = 0;
  const slots = ids.map((a) => {
    const out = new Int32Array(a.length);
    for (let t = 0; t < a.length; t++) {
      const id = a[t];
      let s = map[id];
      if (s < 0) {
        s = n++;
        map[id] = s;
        uniq[s] = id;
      }
      out[t] = s;
    }
    return out;
  });
  for (let s = 0; s < n; s++) map[uniq[s]] = -1;
  return { uniq: uniq.slice(0, n), slots };
}

/** A scratch map for {@link uniqueSlots} covering ids `0 .. size-1`. */
export function slotMap(size: number): Int32Array {
  return new Int32Array(size).fill(-1);
}
