import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { normalisedMargin } from "../terms/log-ratios.js";

/** Parameters of the length-normalised sigmoid loss. */
export interface SigmoidNormParams {
  /** β > 0 (default 0.1). */
  beta: number;
}

/**
 * DPO on the length-normalised margin (TRL `sigmoid_norm`). Needs `chosenLength`/`rejectedLength`.
 *
 * ```text
 * u = Δc/ℓc − Δr/ℓr,   L = sp(−βu)
 * ∂L/∂c = −β σ(−βu)/ℓc      ∂L/∂r = +β σ(−βu)/ℓr
 * ```
 */
export const sigmoidNorm = definePairedLoss<SigmoidNormParams>({
  name: "sigmoid_norm",
  reference: "DPO with per-token averaged log-ratios (TRL sigmoid_norm)",
  defaults: { beta: 0.1 },
  usesLengths: true,
  validate: (p) => checkBeta("sigmoid_norm", p.beta),
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const negU = m.neg(m.mul(beta, normalisedMargin(m, x)));
    const g = m.mul(beta, m.sigmoid(negU));
    return {
      loss: m.softplus(negU),
      gradChosen: m.neg(m.div(g, x.chosenLength)),
      gradRejected: m.div(g, x.rejectedLength),
    };
  },
});

/**
 * Length-normalised sigmoid loss and gradients. See {@link sigmoidNorm}.
 * @example
 * ```ts
 * sigmoidNormLoss({ ...batch, chosenLength: [12], rejectedLength: [30] });
 * ```
 */
export function sigmoidNormLoss(batch: PairedBatch, params?: Partial<SigmoidNormParams>): PairedLossResult {
  return runPairedLoss(sigmoidNorm, batch, params);
}
