/**
 * The logistic function, split by sign so that `exp` only ever sees a non-positive argument.
 *
 * ```text
 * σ(x) = 1 / (1 + e^(−x))          x ≥ 0
 *      = eˣ / (1 + eˣ)             x < 0
 * ```
 * @example sigmoid(0) // 0.5
 */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
