import type { PairedLossResult, ReferenceFreeBatch } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta, checkFinite, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { smoothedLogistic } from "../terms/smoothed-logistic.js";
import { tokenMeanNll } from "../terms/token-mean-nll.js";

/** Parameters of CPO. */
export interface CpoParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /** Label smoothing ε ∈ [0, 0.5] (default 0). */
  labelSmoothing: number;
  /** Weight α of the chosen NLL term (TRL's `cpo_alpha`, default 1; 0 drops it). */
  cpoAlpha: number;
}

/**
 * Contrastive preference optimisation (TRL `CPOTrainer`, `loss_type="sigmoid"`): reference-free DPO plus
 * a behaviour-cloning term on the chosen answers, the token-mean NLL S of the batch's chosen completions
 * (as `sft`). Needs token counts.
 *
 * ```text
 * u = β(c − r),  S = −Σⱼ cⱼ / Σⱼ ℓcⱼ
 * Lᵢ = (1 − ε) sp(−u) + ε sp(u) + α·S
 * ∂(Σⱼ Lⱼ)/∂cᵢ = β ℓ'(u) − α/mean(ℓc)      ∂/∂rᵢ = −β ℓ'(u),   ℓ'(u) = −(1 − ε)σ(−u) + εσ(u)
 * ```
 * Reference: Xu et al. 2024, "Contrastive Preference Optimization".
 */
export const cpo = definePairedLoss<CpoParams>({
  name: "cpo",
  reference: "Xu et al. 2024 (CPO)",
  defaults: { beta: 0.1, labelSmoothing: 0, cpoAlpha: 1 },
  usesLengths: true,
  rewards: "log-prob",
  coupling: "batch-means",
  validate(p) {
    checkBeta("cpo", p.beta);
    checkRange("cpo", "labelSmoothing", p.labelSmoothing, 0, 0.5, { hiOpen: false });
    checkFinite("cpo", "cpoAlpha", p.cpoAlpha);
  },
  terms(m, x, p, batch) {
    const beta = m.constant(p.beta);
    const { loss, slope } = smoothedLogistic(
      m,
      m.mul(beta, m.sub(x.policyChosen, x.policyRejected)),
      p.labelSmoothing,
    );
    const g = m.mul(beta, slope);
    if (p.cpoAlpha === 0) return { loss, gradChosen: g, gradRejected: m.neg(g) };
    const alpha = m.constant(p.cpoAlpha);
    const nll = tokenMeanNll(m, batch);
    return {
      loss: m.add(loss, m.mul(alpha, nll.loss)),
      gradChosen: m.add(g, m.mul(alpha, nll.gradChosen)),
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
