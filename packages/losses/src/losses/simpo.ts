import type { PairedLossResult, ReferenceFreeBatch } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta, checkFinite, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { smoothedLogistic } from "../terms/smoothed-logistic.js";

/** Parameters of SimPO. */
export interface SimpoParams {
  /** β > 0 (default 0.1, TRL's; the SimPO paper uses 2–2.5). */
  beta: number;
  /** Target reward margin γ (TRL's `simpo_gamma`, default 0.5). */
  gamma: number;
  /** Label smoothing ε ∈ [0, 0.5] (default 0). */
  labelSmoothing: number;
}

/**
 * SimPO (TRL `CPOTrainer`, `loss_type="simpo"`): reference-free, length-normalised, with a target margin.
 * Needs `chosenLength`/`rejectedLength`.
 *
 * ```text
 * x = β(c/ℓc − r/ℓr) − γ
 * L = (1 − ε) sp(−x) + ε sp(x)
 * ∂L/∂c = (β/ℓc) ℓ'(x)      ∂L/∂r = −(β/ℓr) ℓ'(x),   ℓ'(x) = σ(x) − 1 + ε
 * ```
 * Reference: Meng et al. 2024, "SimPO: Simple Preference Optimization with a Reference-Free Reward".
 */
export const simpo = definePairedLoss<SimpoParams>({
  name: "simpo",
  reference: "Meng et al. 2024 (SimPO)",
  defaults: { beta: 0.1, gamma: 0.5, labelSmoothing: 0 },
  usesLengths: true,
  rewards: "average-log-prob",
  validate(p) {
    checkBeta("simpo", p.beta);
    checkFinite("simpo", "gamma", p.gamma);
    checkRange("simpo", "labelSmoothing", p.labelSmoothing, 0, 0.5, { hiOpen: false });
  },
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const margin = m.sub(m.div(x.policyChosen, x.chosenLength), m.div(x.policyRejected, x.rejectedLength));
    const { loss, slope } = smoothedLogistic(
      m,
      m.sub(m.mul(beta, margin), m.constant(p.gamma)),
      p.labelSmoothing,
    );
    const g = m.mul(beta, slope);
    return { loss, gradChosen: m.div(g, x.chosenLength), gradRejected: m.neg(m.div(g, x.rejectedLength)) };
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
