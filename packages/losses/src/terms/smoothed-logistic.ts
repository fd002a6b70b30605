import type { LossMath } from "../math/loss-math.js";

/**
 * The label-smoothed logistic loss of a logit u and its slope:
 *
 * ```text
 * ℓ(u)  = (1 − ε)·sp(−u) + ε·sp(u)
 * ℓ'(u) = −(1 − ε)·σ(−u) + ε·σ(u)
 * ```
 * With ε = 0 (the default everywhere) only one softplus and one sigmoid are evaluated.
 */
export function smoothedLogistic<T>(m: LossMath<T>, u: T, epsilon: number): { loss: T; slope: T } {
  const negU = m.neg(u);
  if (epsilon === 0) return { loss: m.softplus(negU), slope: m.neg(m.sigmoid(negU)) };
  const keep = m.constant(1 - epsilon);
  const flip = m.constant(epsilon);
  return {
    loss: m.add(m.mul(keep, m.softplus(negU)), m.mul(flip, m.softplus(u))),
    slope: m.sub(m.mul(flip, m.sigmoid(u)), m.mul(keep, m.sigmoid(negU))),
  };
}
