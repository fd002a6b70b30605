/**
 * The package's seeded pseudo-random generator (mulberry32): uniform, standard-normal and permutation
 * draws, the same on every machine, for tiny models' weights, sampling, the held-out split and the training
 * loop's shuffles. Its `state` is a uint32 that seeds a generator continuing the same stream, so a
 * checkpoint records it and a resumed run shuffles exactly as an uninterrupted one.
 *
 * ```text
 * state ← state + 0x6D2B79F5 (mod 2³²);  u = mix(state) / 2³²  ∈ [0, 1)
 * normal: Box–Muller, z = √(−2 ln u₁) · cos(2π u₂)
 * ```
 *
 * @example
 * ```ts
 * const rng = new SeededRandom(42);
 * rng.normal(); // the same number on every run
 * const saved = rng.state; // store in the checkpoint
 * new SeededRandom(saved).permutation(10); // the same draws as `rng.permutation(10)`
 * ```
 */
export class SeededRandom {
  #state: number;

  /** @param seed any integer, or the `state` of a generator whose stream this one continues */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The current state, a uint32: `new SeededRandom(state)` draws what this generator draws next. */
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

  /** Standard normal N(0, 1). */
  normal(): number {
    const u1 = 1 - this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** A Float32Array of `n` draws from N(mean, std²). */
  normals(n: number, std: number, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
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
