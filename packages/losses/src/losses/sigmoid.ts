import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";
import { smoothedLogistic } from "../terms/smoothed-logistic.js";

/** Parameters of DPO. */
export interface SigmoidParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /** Label smoothing ε ∈ [0, 0.5] (conservative DPO; default 0). */
  labelSmoothing: number;
}

/**
 * The parameter check shared by the label-smoothed logistic losses (DPO, AOT): β > 0, ε ∈ [0, 0.5],
 * errors naming `loss`.
 */
export function smoothedLogisticParams(loss: string): (p: SigmoidParams) => void {
  return (p) => {
    checkBeta(loss, p.beta);
    checkRange(loss, "labelSmoothing", p.labelSmoothing, 0, 0.5, { hiOpen: false });
  };
}

/**
 * DPO's sigmoid loss (TRL `sigmoid`), with optional label smoothing (cDPO).
 *
 * ```text
 * L = (1 − ε) sp(−βz) + ε sp(βz),  z = Δc − Δr
 * ∂L/∂c = β(−(1 − ε) σ(−βz) + ε σ(βz)) = −∂L/∂r
 * ```
 * Reference: Rafailov et al. 2023, "Direct Preference Optimization".
 */
export const sigmoidLoss = definePairedLoss<SigmoidParams>({
  name: "sigmoid",
  reference: "Rafailov et al. 2023 (DPO); Mitchell 2023 (cDPO label smoothing)",
  defaults: { beta: 0.1, labelSmoothing: 0 },
  validate: smoothedLogisticParams("sigmoid"),
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const { z } = logRatios(m, x);
    const { loss, slope } = smoothedLogistic(m, m.mul(beta, z), p.labelSmoothing);
    const g = m.mul(beta, slope);
    return { loss, gradChosen: g, gradRejected: m.neg(g) };
  },
});

/**
 * DPO loss and gradients (TRL `loss_type="sigmoid"`). See {@link sigmoidLoss}.
 * @example
 * ```ts
 * import { dpoLoss } from "@apo/losses";
 * dpoLoss({ policyChosen: [-1], policyRejected: [-1], referenceChosen: [-1], referenceRejected: [-1] }).loss; // ln 2
 * ```
 */
export function dpoLoss(batch: PairedBatch, params?: Partial<SigmoidParams>): PairedLossResult {
  return runPairedLoss(sigmoidLoss, batch, params);
}
