/**
 * Softplus, the smooth ReLU, in a form that never overflows.
 *
 * ```text
 * sp(x) = log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|))
 * sp'(x) = σ(x)
 * ```
 * @example softplus(0) // ln 2
 */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}
