import type { PairedLossResult, ReferenceFreeBatch } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta, checkFinite, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { smoothedLogistic } from "../terms/smoothed-logistic.js";
import { tokenMeanNll } from "../terms/token-mean-nll.js";

/** Parameters of SimPO. */
export interface SimpoParams {
  /** β > 0 (default 0.1, TRL's; the SimPO paper uses 2–2.5). */
  beta: number;
  /** Target reward margin γ (TRL's `simpo_gamma`, default 0.5). */
  gamma: number;
  /** Label smoothing ε ∈ [0, 0.5] (default 0). */
  labelSmoothing: number;
  /**
   * Weight α of the chosen token-mean NLL (TRL CPOTrainer's `cpo_alpha`, default 1 as there; 0 gives the
   * SimPO paper's loss).
   */
  cpoAlpha: number;
}

/**
 * SimPO as TRL's `CPOTrainer(loss_type="simpo")` computes it: reference-free, length-normalised, with a
 * target margin, plus `cpoAlpha` times the token-mean NLL S of the batch's chosen completions (as `sft`;
 * set `cpoAlpha: 0` for the paper's SimPO). Needs `chosenLength`/`rejectedLength`.
 *
 * ```text
 * x = β(c/ℓc − r/ℓr) − γ,  S = −Σⱼ cⱼ / Σⱼ ℓcⱼ
 * Lᵢ = (1 − ε) sp(−x) + ε sp(x) + α·S
 * ∂(Σⱼ Lⱼ)/∂cᵢ = (β/ℓc) ℓ'(x) − α/mean(ℓc)      ∂/∂rᵢ = −(β/ℓr) ℓ'(x),   ℓ'(x) = σ(x) − 1 + ε
 * ```
 * Reference: Meng et al. 2024, "SimPO: Simple Preference Optimization with a Reference-Free Reward".
 */
export const simpo = definePairedLoss<SimpoParams>({
  name: "simpo",
  reference: "Meng et al. 2024 (SimPO); TRL CPOTrainer's cpo_alpha NLL term",
  defaults: { beta: 0.1, gamma: 0.5, labelSmoothing: 0, cpoAlpha: 1 },
  usesLengths: true,
  rewards: "average-log-prob",
  coupling: "batch-means",
  validate(p) {
    checkBeta("simpo", p.beta);
    checkFinite("simpo", "gamma", p.gamma);
    checkRange("simpo", "labelSmoothing", p.labelSmoothing, 0, 0.5, { hiOpen: false });
    checkFinite("simpo", "cpoAlpha", p.cpoAlpha);
  },
  terms(m, x, p, batch) {
    const beta = m.constant(p.beta);
    const margin = m.sub(m.div(x.policyChosen, x.chosenLength), m.div(x.policyRejected, x.rejectedLength));
    const { loss, slope } = smoothedLogistic(
      m,
      m.sub(m.mul(beta, margin), m.constant(p.gamma)),
      p.labelSmoothing,
    );
    const g = m.mul(beta, slope);
    const gradChosen = m.div(g, x.chosenLength);
    const gradRejected = m.neg(m.div(g, x.rejectedLength));
    if (p.cpoAlpha === 0) return { loss, gradChosen, gradRejected };
    const alpha = m.constant(p.cpoAlpha);
    const nll = tokenMeanNll(m, batch);
    return {
      loss: m.add(loss, m.mul(alpha, nll.loss)),
      gradChosen: m.add(gradChosen, m.mul(alpha, nll.gradChosen)),
      gradRejected,
    };
  },
});

/**
 * SimPO loss and gradients (no reference model needed). See {@link simpo}.
 * @example
 * ```ts
 * simpoLoss({ policyChosen: [-20], policyRejected: [-25], chosenLength: [10], rejectedLength: [12] }, { beta: 2 });
 * ```
 */
export function simpoLoss(batch: ReferenceFreeBatch, params?: Partial<SimpoParams>): PairedLossResult {
  return runPairedLoss(simpo, batch, params);
}
