import type { PairedTerms } from "../definition.js";
import type { LossMath } from "../math/loss-math.js";

/**
 * Log-ratios of policy to reference, Δc = c − c0 and Δr = r − r0, and the margin z = Δc − Δr.
 */
export function logRatios<T>(m: LossMath<T>, x: PairedTerms<T>): { dc: T; dr: T; z: T } {
  const dc = m.sub(x.policyChosen, x.referenceChosen);
  const dr = m.sub(x.policyRejected, x.referenceRejected);
  return { dc, dr, z: m.sub(dc, dr) };
}

/**
 * Length-normalised margin u = Δc/ℓc − Δr/ℓr (IPO's and sigmoid_norm's argument).
 */
export function normalisedMargin<T>(m: LossMath<T>, x: PairedTerms<T>): T {
  const { dc, dr } = logRatios(m, x);
  return m.sub(m.div(dc, x.chosenLength), m.div(dr, x.rejectedLength));
}
