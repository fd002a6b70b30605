import { softplus } from "./softplus.js";

/**
 * log σ(x), finite for every finite x.
 *
 * ```text
 * log σ(x) = −sp(−x)
 * d/dx log σ(x) = σ(−x)
 * ```
 * @example logSigmoid(0) // −ln 2
 */
export function logSigmoid(x: number): number {
  return -softplus(-x);
}
