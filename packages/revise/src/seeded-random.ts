/**
 * A seeded pseudo-random generator of floats in [0, 1) (mulberry32: 32 bits of state, fast, and the same
 * sequence on every platform), so that a bootstrap is reproducible from its seed.
 *
 * @example
 * ```ts
 * const random = seededRandom(0);
 * const index = Math.floor(random() * n);
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
