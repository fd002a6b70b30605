import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of APO-down. */
export interface ApoDownParams {
  /** Reward scale β > 0 (default 0.1). */
  beta: number;
}

/**
 * APO-down, the anchored loss that pushes both likelihoods down while widening the margin (paper eq. 8).
 * Use it when the model's outputs are already better than the winning answers.
 *
 * ```text
 * L  = σ(βΔc) + 1 − σ(βz),  z = Δc − Δr     (TRL's form; the paper's σ(βΔc) − σ(βz) plus 1)
 * ∂L/∂c = β σ'(βΔc) − β σ'(βz)      ∂L/∂r = +β σ'(βz)
 * ```
 * At Δ = 0 the chosen gradient is exactly 0. Reference: D'Oosterlinck et al. 2024, §4.
 */
export const apoDown = definePairedLoss<ApoDownParams>({
  name: "apo_down",
  reference: "D'Oosterlinck et al. 2024, eq. 8 (APO-down)",
  defaults: { beta: 0.1 },
  validate: (p) => checkBeta("apo_down", p.beta),
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const { dc, z } = logRatios(m, x);
    const uc = m.mul(beta, dc);
    const uz = m.mul(beta, z);
    const marginSlope = m.mul(beta, m.sigmoidPrime(uz));
    return {
      loss: m.sub(m.add(m.sigmoid(uc), m.constant(1)), m.sigmoid(uz)),
      gradChosen: m.sub(m.mul(beta, m.sigmoidPrime(uc)), marginSlope),
      gradRejected: marginSlope,
    };
  },
});

/**
 * APO-down loss and gradients on a batch of pairs. See {@link apoDown} for the formula.
 * @example
 * ```ts
 * import { apoDownLoss } from "@apo/losses";
 * apoDownLoss({ policyChosen: [-3], policyRejected: [-4], referenceChosen: [-3], referenceRejected: [-4] }).loss; // 0.5
 * ```
 */
export function apoDownLoss(batch: PairedBatch, params?: Partial<ApoDownParams>): PairedLossResult {
  return runPairedLoss(apoDown, batch, params);
}
