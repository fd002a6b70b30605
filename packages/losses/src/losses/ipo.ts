import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { normalisedMargin } from "../terms/log-ratios.js";

/** Parameters of IPO. */
export interface IpoParams {
  /** β > 0 (default 0.1); the target margin is 1/(2β). */
  beta: number;
}

/**
 * IPO (TRL `ipo`): a squared loss on the length-normalised margin. Needs `chosenLength`/`rejectedLength`.
 *
 * ```text
 * u = Δc/ℓc − Δr/ℓr,   L = (u − 1/(2β))²
 * ∂L/∂c = 2(u − 1/(2β))/ℓc      ∂L/∂r = −2(u − 1/(2β))/ℓr
 * ```
 * Reference: Azar et al. 2023, "A General Theoretical Paradigm to Understand Learning from Human Preferences".
 */
export const ipo = definePairedLoss<IpoParams>({
  name: "ipo",
  reference: "Azar et al. 2023 (IPO)",
  defaults: { beta: 0.1 },
  usesLengths: true,
  validate: (p) => checkBeta("ipo", p.beta),
  terms(m, x, p) {
    const gap = m.sub(normalisedMargin(m, x), m.constant(1 / (2 * p.beta)));
    const twice = m.mul(m.constant(2), gap);
    return {
      loss: m.square(gap),
      gradChosen: m.div(twice, x.chosenLength),
      gradRejected: m.neg(m.div(twice, x.rejectedLength)),
    };
  },
});

/**
 * IPO loss and gradients. See {@link ipo}.
 * @example
 * ```ts
 * ipoLoss({ policyChosen: [-10], policyRejected: [-12], referenceChosen: [-10], referenceRejected: [-12],
 *           chosenLength: [5], rejectedLength: [6] }).loss; // 25
 * ```
 */
export function ipoLoss(batch: PairedBatch, params?: Partial<IpoParams>): PairedLossResult {
  return runPairedLoss(ipo, batch, params);
}
