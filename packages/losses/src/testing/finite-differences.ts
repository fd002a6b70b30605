/** Test helpers: central finite differences in float64, exported as `@apo/losses/testing`. */

/**
 * Step for a central difference at v: an absolute 1e-3 (the losses depend on differences of log-probs,
 * so their scale does not grow with |v|); with `nearZero` (ORPO's log(1 − eᵛ), whose scale near 0 is |v|)
 * at most 1e-2·|v|, so the step never crosses 0.
 */
export function stepFor(v: number, nearZero = false): number {
  return nearZero ? Math.min(1e-3, 1e-2 * Math.abs(v)) : 1e-3;
}

/**
 * ∂f/∂xs[field][i] by central differences with one Richardson step (error O(h⁴)): (4·D(h/2) − D(h))/3.
 * `xs[field][i]` is moved and restored in place.
 * @example
 * ```ts
 * const xs = { policyChosen: Float64Array.of(-3), policyRejected: Float64Array.of(-5) };
 * const f = (v: typeof xs) => myLoss(v).losses[0] ?? 0;
 * relativeError(centralDifference(f, xs, "policyChosen", 0), myLoss(xs).gradChosen[0] ?? 0) < 1e-6;
 * ```
 */
export function centralDifference<X extends { [K in keyof X]: Float64Array }>(
  f: (xs: X) => number,
  xs: X,
  field: keyof X,
  i: number,
  nearZero = false,
): number {
  const arr: Float64Array = xs[field];
  const v = arr[i] as number;
  const h = stepFor(v, nearZero);
  const central = (step: number) => {
    arr[i] = v + step;
    const up = f(xs);
    arr[i] = v - step;
    const down = f(xs);
    arr[i] = v;
    return (up - down) / (2 * step);
  };
  return (4 * central(h / 2) - central(h)) / 3;
}

/**
 * |a − b| / max(|a|, |b|, floor): the relative error; for gradients below the floor (1e-6) it bounds the
 * absolute error by 1e-12, about the round-off of a difference quotient of an O(1) loss.
 * @example relativeError(1.0000001, 1) // ≈ 1e-7
 */
export function relativeError(a: number, b: number, floor = 1e-6): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

/**
 * Deterministic uniform numbers in [0, 1) (mulberry32), so random test points are the same on every run.
 * @example const rand = seededRandom(7); const logProb = -1 - rand() * 60;
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
