import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { logRatios } from "../terms/log-ratios.js";

/** Parameters of the per-pair anchored loss. */
export interface ApoAnchoredParams {
  /** Reward scale β > 0 (default 0.1). */
  beta: number;
}

/**
 * APO with the anchor chosen per pair: each pair's weight aᵢ ∈ [0, 1] (`anchorDown` of the batch) mixes
 * APO-zero (aᵢ = 0: the winning answer is better than the model's own, push it up) and APO-down (aᵢ = 1: the
 * model is already better, push both down and widen the margin). The paper picks one variant per dataset
 * and names the per-pair choice as future work (§4, §7); this is that choice, with TRL's constants, so it
 * equals `apo_zero` where every aᵢ = 0 and `apo_down` where every aᵢ = 1.
 *
 * ```text
 * Lᵢ      = (1 − aᵢ)·(1 − σ(βΔc) + σ(βΔr)) + aᵢ·(σ(βΔc) + 1 − σ(βz)),   z = Δc − Δr
 * ∂Lᵢ/∂c = (1 − aᵢ)·(−β σ'(βΔc)) + aᵢ·(β σ'(βΔc) − β σ'(βz))
 * ∂Lᵢ/∂r = (1 − aᵢ)·β σ'(βΔr)    + aᵢ·β σ'(βz)
 * ```
 * aᵢ is data, not a parameter: it has no gradient. Reference: D'Oosterlinck et al. 2024, "Anchored
 * Preference Optimization and Contrastive Revisions", eqs. 7–8 and §7 (per-pair APO variant).
 */
export const apoAnchored = definePairedLoss<ApoAnchoredParams>({
  name: "apo_anchored",
  reference: "D'Oosterlinck et al. 2024, eqs. 7–8 mixed per pair (the per-pair variant of §7)",
  defaults: { beta: 0.1 },
  usesAnchorDown: true,
  validate: (p) => checkBeta("apo_anchored", p.beta),
  terms(m, x, p) {
    const beta = m.constant(p.beta);
    const one = m.constant(1);
    const { dc, dr, z } = logRatios(m, x);
    const uc = m.mul(beta, dc);
    const ur = m.mul(beta, dr);
    const uz = m.mul(beta, z);
    const down = x.anchorDown;
    const zero = m.sub(one, down);
    // The two losses and their slopes exactly as apo_zero and apo_down compute them, so a = 0 and a = 1
    // reproduce those losses to the last bit.
    const sc = m.sigmoid(uc);
    const zeroLoss = m.add(m.sub(one, sc), m.sigmoid(ur));
    const downLoss = m.sub(m.add(sc, one), m.sigmoid(uz));
    const chosenSlope = m.mul(beta, m.sigmoidPrime(uc));
    const rejectedSlope = m.mul(beta, m.sigmoidPrime(ur));
    const marginSlope = m.mul(beta, m.sigmoidPrime(uz));
    return {
      loss: m.add(m.mul(zero, zeroLoss), m.mul(down, downLoss)),
      gradChosen: m.add(m.mul(zero, m.neg(chosenSlope)), m.mul(down, m.sub(chosenSlope, marginSlope))),
      gradRejected: m.add(m.mul(zero, rejectedSlope), m.mul(down, marginSlope)),
    };
  },
});

/**
 * Per-pair anchored APO on a batch whose pairs each carry `anchorDown` ∈ [0, 1] (0: APO-zero, 1:
 * APO-down). See {@link apoAnchored} for the formula.
 *
 * @throws LossMissingInputError (field `anchorDown`) without anchors; LossDomainError naming `anchorDown`,
 *   the index and the value for one outside [0, 1]
 * @example
 * ```ts
 * import { apoAnchoredLoss } from "@apo/losses";
 * const { losses } = apoAnchoredLoss({
 *   policyChosen: [-12.1, -8], policyRejected: [-15.3, -9], referenceChosen: [-12.5, -8], referenceRejected: [-15, -9],
 *   anchorDown: [0, 1], // pair 0: the chosen answer beats the model (APO-zero); pair 1: the model is better (APO-down)
 * });
 * ```
 */
export function apoAnchoredLoss(
  batch: PairedBatch & { anchorDown: ArrayLike<number> },
  params?: Partial<ApoAnchoredParams>,
): PairedLossResult {
  return runPairedLoss(apoAnchored, batch, params);
}
