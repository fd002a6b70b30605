import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of KTO on pairs. */
export interface KtoPairParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /**
   * The detached KL reference point z0 ≥ 0 (default 0, where KTO-pair equals APO-zero). Estimate it from
   * mismatched pairs with `estimateKl`.
   */
  referencePoint: number;
}

/**
 * KTO on paired data (TRL's former `kto_pair`, paper eq. 9).
 *
 * ```text
 * L = 2 − σ(β(Δc − z0)) − σ(β(z0 − Δr))
 * ∂L/∂c = −β σ'(β(Δc − z0))      ∂L/∂r = +β σ'(β(z0 − Δr))
 * ```
 * Reference: Ethayarajh et al. 2024, "KTO: Model Alignment as Prospect Theoretic Optimization".
 */
export const ktoPair = definePairedLoss<KtoPairParams>({
  name: "kto_pair",
  reference: "Ethayarajh et al. 2024 (KTO); D'Oosterlinck et al. 2024, eq. 9",
  defaults: { beta: 0.1, referencePoint: 0 },
  validate(p) {
    checkBeta("kto_pair", p.beta);
    checkRange("kto_pair", "referencePoint", p.referencePoint, 0, Number.POSITIVE_INFINITY);
  },
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const z0 = m.constant(p.referencePoint);
    const { dc, dr } = logRatios(m, x);
    const uc = m.mul(beta, m.sub(dc, z0));
    const ur = m.mul(beta, m.sub(z0, dr));
    return {
      loss: m.sub(m.sub(m.constant(2), m.sigmoid(uc)), m.sigmoid(ur)),
      gradChosen: m.neg(m.mul(beta, m.sigmoidPrime(uc))),
      gradRejected: m.mul(beta, m.sigmoidPrime(ur)),
    };
  },
});

/**
 * KTO-pair loss and gradients. See {@link ktoPair}.
 * @example
 * ```ts
 * const z0 = estimateKl({ policyMismatched, referenceMismatched });
 * ktoPairLoss(batch, { referencePoint: z0 });
 * ```
 */
export function ktoPairLoss(batch: PairedBatch, params?: Partial<KtoPairParams>): PairedLossResult {
  return runPairedLoss(ktoPair, batch, params);
}
