import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta, checkFinite } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of BCO (pair form). */
export interface BcoPairParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /**
   * Reward shift δ (default 0). TRL keeps δ as a running mean of the batch rewards; that state belongs to
   * the training loop, which passes its current value here.
   */
  delta: number;
}

/**
 * Binary classifier optimisation, pair form (TRL `bco_pair`).
 *
 * ```text
 * L = sp(−(βΔc − δ)) + sp(βΔr − δ)
 * ∂L/∂c = −β σ(−(βΔc − δ))      ∂L/∂r = β σ(βΔr − δ)
 * ```
 * Reference: Jung et al. 2024, "Binary Classifier Optimization for Large Language Model Alignment".
 */
export const bcoPair = definePairedLoss<BcoPairParams>({
  name: "bco_pair",
  reference: "Jung et al. 2024 (BCO)",
  defaults: { beta: 0.1, delta: 0 },
  validate(p) {
    checkBeta("bco_pair", p.beta);
    checkFinite("bco_pair", "delta", p.delta);
  },
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const delta = m.constant(p.delta);
    const { dc, dr } = logRatios(m, x);
    const sc = m.sub(m.mul(beta, dc), delta);
    const sr = m.sub(m.mul(beta, dr), delta);
    return {
      loss: m.add(m.softplus(m.neg(sc)), m.softplus(sr)),
      gradChosen: m.neg(m.mul(beta, m.sigmoid(m.neg(sc)))),
      gradRejected: m.mul(beta, m.sigmoid(sr)),
    };
  },
});

/**
 * BCO (pair) loss and gradients. See {@link bcoPair}.
 * @example
 * ```ts
 * bcoPairLoss(batch, { delta: runningMeanOfRewards });
 * ```
 */
export function bcoPairLoss(batch: PairedBatch, params?: Partial<BcoPairParams>): PairedLossResult {
  return runPairedLoss(bcoPair, batch, params);
}
