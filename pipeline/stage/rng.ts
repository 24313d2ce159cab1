/**
 * Seeded pseudo-random generator (xoshiro128**, seeded through splitmix32).
 *
 * Every random draw in the project comes from an `Rng`; a stage receives one seeded from the
 * seed recorded in its manifest, and `fork(label)` derives independent, reproducible streams.
 */

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [state, (z ^ (z >>> 16)) >>> 0];
}

/** 32-bit FNV-1a hash of a string, used to derive seeds from labels. */
export function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The full internal state of an `Rng` (JSON-safe), for checkpoints. */
export interface RngState {
  /** The seed the generator was created with. */
  seed: number;
  /** The four xoshiro128** state words. */
  s: [number, number, number, number];
  /** The cached second normal draw, if any. */
  spare: number | null;
}

/** A seeded generator of uniform integers, floats, normals and permutations. */
export class Rng {
  /** The seed this generator was created with (recorded in manifests). */
  readonly seed: number;
  #s = new Uint32Array(4);
  #spare: number | null = null;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    let st = this.seed;
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(st);
      st = next;
      this.#s[i] = out;
    }
  }

  /** Next uniform unsigned 32-bit integer. */
  nextU32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  random(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n) for n <= 2^32, without modulo bias. */
  int(n: number): number {
    if (n <= 0) throw new RangeError(`Rng.int: n must be positive, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** Standard normal draw (Box-Muller, caching the second value). */
  normal(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles an array in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }

  /** A snapshot of the generator's state; `Rng.fromState` continues exactly from it. */
  state(): RngState {
    const s = this.#s;
    return { seed: this.seed, s: [s[0], s[1], s[2], s[3]], spare: this.#spare };
  }

  /** A generator that continues exactly where the one that gave `state` stood. */
  static fromState(state: RngState): Rng {
    const r = new Rng(state.seed);
    r.#s.set(state.s);
    r.#spare = state.spare;
    return r;
  }

  /** Independent generator derived from this one's seed and a label (order-independent). */
  fork(label: string): Rng {
    return new Rng((this.seed ^ hashLabel(label)) >>> 0 || 1);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
