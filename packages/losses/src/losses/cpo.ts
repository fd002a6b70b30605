import type { PairedLossResult, ReferenceFreeBatch } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta, checkFinite, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { smoothedLogistic } from "../terms/smoothed-logistic.js";

/** Parameters of CPO. */
export interface CpoParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /** Label smoothing ε ∈ [0, 0.5] (default 0). */
  labelSmoothing: number;
  /** Weight α of the chosen NLL term (TRL's `cpo_alpha`, default 1). */
  cpoAlpha: number;
}

/**
 * Contrastive preference optimisation (TRL `CPOTrainer`, `loss_type="sigmoid"`): reference-free DPO plus
 * a behaviour-cloning term on the chosen answer.
 *
 * ```text
 * u = β(c − r)
 * L = (1 − ε) sp(−u) + ε sp(u) + α·(−c/ℓc)
 * ∂L/∂c = β ℓ'(u) − α/ℓc      ∂L/∂r = −β ℓ'(u),   ℓ'(u) = −(1 − ε)σ(−u) + εσ(u)
 * ```
 * The NLL is per token when `chosenLength` is given (TRL averages over the chosen tokens of the batch),
 * summed otherwise. Reference: Xu et al. 2024, "Contrastive Preference Optimization".
 */
export const cpo = definePairedLoss<CpoParams>({
  name: "cpo",
  reference: "Xu et al. 2024 (CPO)",
  defaults: { beta: 0.1, labelSmoothing: 0, cpoAlpha: 1 },
  rewards: "log-prob",
  validate(p) {
    checkBeta("cpo", p.beta);
    checkRange("cpo", "labelSmoothing", p.labelSmoothing, 0, 0.5, { hiOpen: false });
    checkFinite("cpo", "cpoAlpha", p.cpoAlpha);
  },
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const alpha = m.constant(p.cpoAlpha);
    const { loss, slope } = smoothedLogistic(
      m,
      m.mul(beta, m.sub(x.policyChosen, x.policyRejected)),
      p.labelSmoothing,
    );
    const g = m.mul(beta, slope);
    return {
      loss: m.sub(loss, m.mul(alpha, m.div(x.policyChosen, x.chosenLength))),
      gradChosen: m.sub(g, m.div(alpha, x.chosenLength)),
      gradRejected: m.neg(g),
    };
  },
});

/**
 * CPO loss and gradients (no reference model needed). See {@link cpo}.
 * @example
 * ```ts
 * cpoLoss({ policyChosen: [-20], policyRejected: [-25], chosenLength: [10], rejectedLength: [12] });
 * ```
 */
export function cpoLoss(batch: ReferenceFreeBatch, params?: Partial<CpoParams>): PairedLossResult {
  return runPairedLoss(cpo, batch, params);
}
