/**
 * A seeded pseudo-random generator (mulberry32) with uniform and standard-normal draws, so tiny models
 * are the same on every machine.
 *
 * ```text
 * normal: Box–Muller, z = √(−2 ln u₁) · cos(2π u₂)
 * ```
 *
 * @example
 * ```ts
 * const rng = new SeededRandom(42);
 * rng.normal(); // the same number on every run
 * ```
 */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
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
}
