import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of EXO (pair form). */
export interface ExoPairParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /** ε ∈ (0, 1) (default 1e-3, TRL's value when label smoothing is left at 0). */
  labelSmoothing: number;
}

/**
 * EXO's pairwise reverse-KL loss (TRL `exo_pair`).
 *
 * ```text
 * p = σ(βz), q = σ(−βz)
 * L = p(log p − log(1 − ε)) + q(log q − log ε)
 * ∂L/∂c = β σ'(βz)(βz − log((1 − ε)/ε)) = −∂L/∂r
 * ```
 * Reference: Ji et al. 2024, "Towards Efficient Exact Optimization of Language Model Alignment".
 */
export const exoPair = definePairedLoss<ExoPairParams>({
  name: "exo_pair",
  reference: "Ji et al. 2024 (EXO)",
  defaults: { beta: 0.1, labelSmoothing: 1e-3 },
  validate(p) {
    checkBeta("exo_pair", p.beta);
    checkRange("exo_pair", "labelSmoothing", p.labelSmoothing, 0, 1, { loOpen: true });
  },
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const { z } = logRatios(m, x);
    const u = m.mul(beta, z);
    const negU = m.neg(u);
    const logKeep = m.constant(Math.log1p(-p.labelSmoothing));
    const logFlip = m.constant(Math.log(p.labelSmoothing));
    const loss = m.add(
      m.mul(m.sigmoid(u), m.sub(m.logSigmoid(u), logKeep)),
      m.mul(m.sigmoid(negU), m.sub(m.logSigmoid(negU), logFlip)),
    );
    const g = m.mul(m.mul(beta, m.sigmoidPrime(u)), m.sub(u, m.sub(logKeep, logFlip)));
    return { loss, gradChosen: g, gradRejected: m.neg(g) };
  },
});

/**
 * EXO (pair) loss and gradients. See {@link exoPair}.
 * @example
 * ```ts
 * exoPairLoss({ policyChosen: [-5], policyRejected: [-7], referenceChosen: [-6], referenceRejected: [-6] });
 * ```
 */
export function exoPairLoss(batch: PairedBatch, params?: Partial<ExoPairParams>): PairedLossResult {
  return runPairedLoss(exoPair, batch, params);
}
