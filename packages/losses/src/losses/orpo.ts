import type { PairedLossResult, ReferenceFreeBatch } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";

/** Parameters of ORPO. */
export interface OrpoParams {
  /** Weight λ of the odds-ratio term (TRL calls it `beta`; default 0.1). */
  beta: number;
}

/**
 * Odds-ratio preference optimisation (TRL `ORPOTrainer`). Reference-free; needs token counts, and the
 * average log-probs must be < 0 (they are log-probabilities).
 *
 * ```text
 * c̄ = c/ℓc, r̄ = r/ℓr,  lo = (c̄ − r̄) − (log1mexp(c̄) − log1mexp(r̄)),  log1mexp(x) = log(1 − eˣ)
 * L = −c̄ + λ sp(−lo)
 * ∂L/∂c = −(1/ℓc)(1 + λ·exp(−sp(lo) − log1mexp(c̄)))     [= −(1/ℓc)(1 + λσ(−lo)/(1 − e^c̄))]
 * ∂L/∂r = (λ/ℓr)·exp(−sp(lo) − log1mexp(r̄))             [= (λ/ℓr) σ(−lo)/(1 − e^r̄)]
 * ```
 * The exponential forms stay finite as c̄ → 0⁻, where 1/(1 − e^c̄) alone overflows.
 * Reference: Hong et al. 2024, "ORPO: Monolithic Preference Optimization without Reference Model".
 */
export const orpo = definePairedLoss<OrpoParams>({
  name: "orpo",
  reference: "Hong et al. 2024 (ORPO)",
  defaults: { beta: 0.1 },
  usesLengths: true,
  negativeLogProbs: true,
  rewards: "average-log-prob",
  validate: (p) => checkBeta("orpo", p.beta),
  terms(m, x, p) {
    const lambda = m.constant(p.beta);
    const cBar = m.div(x.policyChosen, x.chosenLength);
    const rBar = m.div(x.policyRejected, x.rejectedLength);
    const l1c = m.log1mexp(cBar);
    const l1r = m.log1mexp(rBar);
    const lo = m.sub(m.sub(cBar, rBar), m.sub(l1c, l1r));
    const spLo = m.softplus(lo);
    return {
      loss: m.add(m.neg(cBar), m.mul(lambda, m.softplus(m.neg(lo)))),
      gradChosen: m.neg(
        m.div(m.add(m.constant(1), m.mul(lambda, m.exp(m.neg(m.add(spLo, l1c))))), x.chosenLength),
      ),
      gradRejected: m.div(m.mul(lambda, m.exp(m.neg(m.add(spLo, l1r)))), x.rejectedLength),
    };
  },
});

/**
 * ORPO loss and gradients (no reference model needed). See {@link orpo}.
 * @example
 * ```ts
 * orpoLoss({ policyChosen: [-20], policyRejected: [-25], chosenLength: [10], rejectedLength: [12] });
 * ```
 */
export function orpoLoss(batch: ReferenceFreeBatch, params?: Partial<OrpoParams>): PairedLossResult {
  return runPairedLoss(orpo, batch, params);
}
