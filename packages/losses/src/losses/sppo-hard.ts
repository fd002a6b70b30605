import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of SPPO (hard labels). */
export interface SppoHardParams {
  /** β > 0 (default 0.1); the targets are ±1/(2β). */
  beta: number;
}

/**
 * Self-play preference optimisation with hard labels (TRL `sppo_hard`).
 *
 * ```text
 * L = (Δc − 1/(2β))² + (Δr + 1/(2β))²
 * ∂L/∂c = 2(Δc − 1/(2β))      ∂L/∂r = 2(Δr + 1/(2β))
 * ```
 * Reference: Wu et al. 2024, "Self-Play Preference Optimization for Language Model Alignment".
 */
export const sppoHard = definePairedLoss<SppoHardParams>({
  name: "sppo_hard",
  reference: "Wu et al. 2024 (SPPO)",
  defaults: { beta: 0.1 },
  validate: (p) => checkBeta("sppo_hard", p.beta),
  terms(m, x, p) {
    const target = m.constant(1 / (2 * p.beta));
    const two = m.constant(2);
    const { dc, dr } = logRatios(m, x);
    const ec = m.sub(dc, target);
    const er = m.add(dr, target);
    return {
      loss: m.add(m.square(ec), m.square(er)),
      gradChosen: m.mul(two, ec),
      gradRejected: m.mul(two, er),
    };
  },
});

/**
 * SPPO (hard) loss and gradients. See {@link sppoHard}.
 * @example
 * ```ts
 * sppoHardLoss({ policyChosen: [-1], policyRejected: [-1], referenceChosen: [-1], referenceRejected: [-1] }).loss; // 50
 * ```
 */
export function sppoHardLoss(batch: PairedBatch, params?: Partial<SppoHardParams>): PairedLossResult {
  return runPairedLoss(sppoHard, batch, params);
}
