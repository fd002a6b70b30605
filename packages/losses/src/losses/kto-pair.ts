import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { LossParameterError } from "../errors.js";
import { checkBeta, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of KTO on pairs. */
export interface KtoPairParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /**
   * 1 (default): the anchors are estimated from the batch (the micro-batch in training), as TRL ≤ 0.8's
   * `kto_pair` did; 0: both anchors are the fixed `referencePoint`.
   */
  batchAnchor: number;
  /**
   * The fixed anchor z0 ≥ 0 used when `batchAnchor` is 0 (default 0: then KTO-pair equals APO-zero). Estimate
   * it from mismatched pairs with `estimateKl`.
   */
  referencePoint: number;
}

/**
 * KTO on paired data (paper eq. 9; TRL's `kto_pair` until 0.8, removed since): each reward is pushed past
 * a KL anchor, estimated from the batch by default. The chosen term is anchored on the rejected half's
 * estimate and the rejected term on the chosen half's, as the KTO report and TRL ≤ 0.8 do. The anchors are
 * detached (constants for the gradient, like KTO's KL estimate); TRL ≤ 0.8 let gradients flow through them
 * and averaged the 2B terms, i.e. reported half of this loss.
 *
 * ```text
 * z_c = max(0, mean_j Δc_j),  z_r = max(0, mean_j Δr_j)       (batchAnchor = 1; detached)
 * z_c = z_r = z0                                               (batchAnchor = 0)
 * Lᵢ = 2 − σ(β(Δcᵢ − z_r)) − σ(β(z_c − Δrᵢ))
 * ∂Lᵢ/∂cᵢ = −β σ'(β(Δcᵢ − z_r))      ∂Lᵢ/∂rᵢ = +β σ'(β(z_c − Δrᵢ))
 * ```
 * Reference: Ethayarajh et al. 2024, "KTO: Model Alignment as Prospect Theoretic Optimization";
 * D'Oosterlinck et al. 2024, eq. 9.
 */
export const ktoPair = definePairedLoss<KtoPairParams>({
  name: "kto_pair",
  reference: "Ethayarajh et al. 2024 (KTO); D'Oosterlinck et al. 2024, eq. 9",
  defaults: { beta: 0.1, batchAnchor: 1, referencePoint: 0 },
  coupling: "detached-batch-means",
  validate(p) {
    checkBeta("kto_pair", p.beta);
    if (p.batchAnchor !== 0 && p.batchAnchor !== 1) {
      throw new LossParameterError(
        "kto_pair",
        "batchAnchor",
        p.batchAnchor,
        "1 (anchors from the batch) or 0",
      );
    }
    checkRange("kto_pair", "referencePoint", p.referencePoint, 0, Number.POSITIVE_INFINITY);
    if (p.batchAnchor === 1 && p.referencePoint !== 0) {
      throw new LossParameterError(
        "kto_pair",
        "referencePoint",
        p.referencePoint,
        "0 while batchAnchor is 1 (set batchAnchor: 0 to anchor on a fixed referencePoint)",
      );
    }
  },
  terms(m, x, p, batch) {
    const beta = m.constant(p.beta);
    const zero = m.constant(0);
    const fixed = m.constant(p.referencePoint);
    const zc = p.batchAnchor === 1 ? m.max(zero, batch.chosenLogRatio) : fixed;
    const zr = p.batchAnchor === 1 ? m.max(zero, batch.rejectedLogRatio) : fixed;
    const { dc, dr } = logRatios(m, x);
    const uc = m.mul(beta, m.sub(dc, zr));
    const ur = m.mul(beta, m.sub(zc, dr));
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
 * ktoPairLoss(batch); // anchors from the batch
 * ktoPairLoss(batch, { batchAnchor: 0, referencePoint: estimateKl({ policyMismatched, referenceMismatched }) });
 * ```
 */
export function ktoPairLoss(batch: PairedBatch, params?: Partial<KtoPairParams>): PairedLossResult {
  return runPairedLoss(ktoPair, batch, params);
}
