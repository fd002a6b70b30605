import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of the hinge loss. */
export interface HingeParams {
  /** β > 0 (default 0.1); 1/β is the margin. */
  beta: number;
}

/**
 * The SLiC hinge loss (TRL `hinge`).
 *
 * ```text
 * L = max(0, 1 − βz)
 * ∂L/∂c = −β·[βz < 1] = −∂L/∂r      (sub-gradient 0 at the kink βz = 1)
 * ```
 * Reference: Zhao et al. 2023, "SLiC-HF".
 */
export const hinge = definePairedLoss<HingeParams>({
  name: "hinge",
  reference: "Zhao et al. 2023 (SLiC-HF)",
  defaults: { beta: 0.1 },
  validate: (p) => checkBeta("hinge", p.beta),
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const { z } = logRatios(m, x);
    const slack = m.sub(m.constant(1), m.mul(beta, z));
    const g = m.mul(beta, m.step(slack));
    return { loss: m.max(m.constant(0), slack), gradChosen: m.neg(g), gradRejected: g };
  },
});

/**
 * Hinge loss and gradients. See {@link hinge}.
 * @example
 * ```ts
 * hingeLoss({ policyChosen: [-1], policyRejected: [-2], referenceChosen: [-1], referenceRejected: [-1] }).loss; // 0.9
 * ```
 */
export function hingeLoss(batch: PairedBatch, params?: Partial<HingeParams>): PairedLossResult {
  return runPairedLoss(hinge, batch, params);
}
