/**
 * log(1 − eˣ) for x ≤ 0, accurate near both ends (Mächler's rule).
 *
 * ```text
 * log1mexp(x) = log(−expm1(x))    −ln 2 < x ≤ 0
 *             = log1p(−eˣ)        x ≤ −ln 2
 * d/dx log1mexp(x) = −1 / expm1(−x)
 * ```
 * @example log1mexp(-Math.LN2) // −ln 2
 */
export function log1mexp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}
