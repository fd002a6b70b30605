import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of NCA (pair form). */
export interface NcaPairParams {
  /** β > 0 (default 0.1). */
  beta: number;
}

/**
 * Noise-contrastive alignment, pair form (TRL `nca_pair`).
 *
 * ```text
 * L = sp(−βΔc) + ½ sp(βΔc) + ½ sp(βΔr)
 * ∂L/∂c = β(−σ(−βΔc) + ½ σ(βΔc))      ∂L/∂r = ½ β σ(βΔr)
 * ```
 * Reference: Chen et al. 2024, "Noise Contrastive Alignment of Language Models with Explicit Rewards".
 */
export const ncaPair = definePairedLoss<NcaPairParams>({
  name: "nca_pair",
  reference: "Chen et al. 2024 (NCA)",
  defaults: { beta: 0.1 },
  validate: (p) => checkBeta("nca_pair", p.beta),
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const half = m.constant(0.5);
    const { dc, dr } = logRatios(m, x);
    const uc = m.mul(beta, dc);
    const ur = m.mul(beta, dr);
    return {
      loss: m.add(m.softplus(m.neg(uc)), m.mul(half, m.add(m.softplus(uc), m.softplus(ur)))),
      gradChosen: m.mul(beta, m.sub(m.mul(half, m.sigmoid(uc)), m.sigmoid(m.neg(uc)))),
      gradRejected: m.mul(m.mul(half, beta), m.sigmoid(ur)),
    };
  },
});

/**
 * NCA (pair) loss and gradients. See {@link ncaPair}.
 * @example
 * ```ts
 * ncaPairLoss({ policyChosen: [-5], policyRejected: [-7], referenceChosen: [-6], referenceRejected: [-6] });
 * ```
 */
export function ncaPairLoss(batch: PairedBatch, params?: Partial<NcaPairParams>): PairedLossResult {
  return runPairedLoss(ncaPair, batch, params);
}
