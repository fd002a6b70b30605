import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of APO-zero. */
export interface ApoZeroParams {
  /** Reward scale β > 0 (default 0.1). */
  beta: number;
}

/**
 * APO-zero, the anchored loss that pushes the chosen likelihood up and the rejected one down (paper eq. 7).
 * Use it when the winning answers are better than the model's own outputs (e.g. CLAIR revisions).
 *
 * ```text
 * L  = 1 − σ(βΔc) + σ(βΔr)            (TRL's form; the paper's −σ(βΔc) + σ(βΔr) plus 1)
 * ∂L/∂c = −β σ'(βΔc)      ∂L/∂r = +β σ'(βΔr)
 * ```
 * Reference: D'Oosterlinck et al. 2024, "Anchored Preference Optimization and Contrastive Revisions", §4.
 */
export const apoZero = definePairedLoss<ApoZeroParams>({
  name: "apo_zero",
  reference: "D'Oosterlinck et al. 2024, eq. 7 (APO-zero)",
  defaults: { beta: 0.1 },
  validate: (p) => checkBeta("apo_zero", p.beta),
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const { dc, dr } = logRatios(m, x);
    const uc = m.mul(beta, dc);
    const ur = m.mul(beta, dr);
    return {
      loss: m.add(m.sub(m.constant(1), m.sigmoid(uc)), m.sigmoid(ur)),
      gradChosen: m.neg(m.mul(beta, m.sigmoidPrime(uc))),
      gradRejected: m.mul(beta, m.sigmoidPrime(ur)),
    };
  },
});

/**
 * APO-zero loss and gradients on a batch of pairs. See {@link apoZero} for the formula.
 * @example
 * ```ts
 * import { apoZeroLoss } from "@apo/losses";
 * const { loss, gradChosen } = apoZeroLoss({
 *   policyChosen: [-12.1], policyRejected: [-15.3], referenceChosen: [-12.5], referenceRejected: [-15.0],
 * });
 * ```
 */
export function apoZeroLoss(batch: PairedBatch, params?: Partial<ApoZeroParams>): PairedLossResult {
  return runPairedLoss(apoZero, batch, params);
}
