import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of robust DPO. */
export interface RobustParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /** Assumed label-flip rate ε ∈ [0, ½) (default 0: then robust = sigmoid). */
  labelSmoothing: number;
}

/**
 * Robust DPO (TRL `robust`): an unbiased loss under label noise ε. Unbounded below: negative values are
 * expected.
 *
 * ```text
 * L = [(1 − ε) sp(−βz) − ε sp(βz)] / (1 − 2ε)
 * ∂L/∂c = β(σ(βz) − (1 − ε)/(1 − 2ε)) = −∂L/∂r
 * ```
 * Reference: Chowdhury et al. 2024, "Provably Robust DPO".
 */
export const robust = definePairedLoss<RobustParams>({
  name: "robust",
  reference: "Chowdhury et al. 2024 (rDPO)",
  defaults: { beta: 0.1, labelSmoothing: 0 },
  validate(p) {
    checkBeta("robust", p.beta);
    checkRange("robust", "labelSmoothing", p.labelSmoothing, 0, 0.5);
  },
  terms(m, x, p) {
    const eps = p.labelSmoothing;
    const beta = m.constant(p.beta);
    const { z } = logRatios(m, x);
    const u = m.mul(beta, z);
    const scale = m.constant(1 / (1 - 2 * eps));
    const loss = m.mul(
      scale,
      m.sub(m.mul(m.constant(1 - eps), m.softplus(m.neg(u))), m.mul(m.constant(eps), m.softplus(u))),
    );
    // σ(u) − (1−ε)/(1−2ε) = −[(1−ε) σ(−u) + ε σ(u)]/(1−2ε), the form without cancellation for u ≫ 0.
    const slope = m.neg(
      m.mul(
        scale,
        m.add(m.mul(m.constant(1 - eps), m.sigmoid(m.neg(u))), m.mul(m.constant(eps), m.sigmoid(u))),
      ),
    );
    const g = m.mul(beta, slope);
    return { loss, gradChosen: g, gradRejected: m.neg(g) };
  },
});

/**
 * Robust DPO loss and gradients. See {@link robust}.
 * @example
 * ```ts
 * robustLoss(batch, { labelSmoothing: 0.1 });
 * ```
 */
export function robustLoss(batch: PairedBatch, params?: Partial<RobustParams>): PairedLossResult {
  return runPairedLoss(robust, batch, params);
}
