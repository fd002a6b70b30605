/**
 * The training loop's seeded pseudo-random generator (mulberry32) with a state that can be read and
 * restored, so a checkpoint records it and a resumed run shuffles exactly as an uninterrupted one.
 *
 * ```text
 * state ← state + 0x6D2B79F5 (mod 2³²);  u = mix(state) / 2³²  ∈ [0, 1)
 * ```
 *
 * @example
 * ```ts
 * const rng = new TrainRng(42);
 * const order = rng.permutation(10);
 * const saved = rng.state; // store in the checkpoint
 * new TrainRng(0, saved).permutation(10); // the same draws as `rng` from here on
 * ```
 */
export class TrainRng {
  #state: number;

  /** @param seed any integer; `state` (when given) overrides it, to restore a saved generator */
  constructor(seed: number, state?: number) {
    this.#state = (state ?? seed) >>> 0;
  }

  /** The current state, a uint32. */
  get state(): number {
    return this.#state;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniformly random permutation of 0…n−1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = out[i] as number;
      out[i] = out[j] as number;
      out[j] = t;
    }
    return out;
  }
}
