/**
 * The permutation `torch.randperm(n, generator=torch.Generator().manual_seed(seed))` returns on the CPU:
 * a forward Fisher–Yates shuffle driven by the 32-bit outputs of MT19937 seeded with `seed mod 2³²`.
 *
 * ```text
 * r = [0, 1, …, n − 1]
 * for i in 0 … n − 2:  z = next_u32() mod (n − i);  swap(r[i], r[i + z])
 * ```
 *
 * TRL's trainer (transformers + accelerate's seedable sampler) visits epoch e's rows in the order
 * `randperm(N, seed + e)`, so `torchRandperm(N, seed + e)` reproduces its batches.
 *
 * @example
 * ```ts
 * torchRandperm(10, 0); // [4, 1, 7, 5, 3, 9, 0, 8, 6, 2]
 * ```
 */
export function torchRandperm(n: number, seed: number): number[] {
  const next = mt19937(seed);
  const r = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n - 1; i++) {
    const z = next() % (n - i);
    const t = r[i] as number;
    r[i] = r[i + z] as number;
    r[i + z] = t;
  }
  return r;
}

/** The MT19937 generator (Matsumoto and Nishimura 1998) as a function returning the next 32-bit output. */
function mt19937(seed: number): () => number {
  const mt = new Uint32Array(624);
  mt[0] = Number(BigInt.asUintN(32, BigInt(Math.trunc(seed))));
  for (let i = 1; i < 624; i++) {
    const prev = mt[i - 1] as number;
    const x = prev ^ (prev >>> 30);
    // 1812433253 · x + i modulo 2³², without losing bits to float64 products.
    mt[i] = (Math.imul(1812433253, x) + i) >>> 0;
  }
  let index = 624;
  return () => {
    if (index >= 624) {
      for (let i = 0; i < 624; i++) {
        const y = ((mt[i] as number) & 0x80000000) | ((mt[(i + 1) % 624] as number) & 0x7fffffff);
        mt[i] = (mt[(i + 397) % 624] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      index = 0;
    }
    let y = mt[index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
}
