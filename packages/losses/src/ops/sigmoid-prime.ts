import { softplus } from "./softplus.js";

/**
 * The derivative of the logistic function, σ'(x) = σ(x)·σ(−x), without cancellation.
 *
 * ```text
 * σ'(x) = exp(−sp(x) − sp(−x))
 * ```
 * Exact to the last bits for |x| up to ~745 and 0 (not NaN) beyond.
 * @example sigmoidPrime(0) // 0.25
 */
export function sigmoidPrime(x: number): number {
  return Math.exp(-softplus(x) - softplus(-x));
}
