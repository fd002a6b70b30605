import type { BatchMeans } from "../definition.js";
import type { LossMath } from "../math/loss-math.js";

/**
 * TRL's NLL of the chosen completions: the token mean over ALL chosen completion tokens of the batch (the
 * micro-batch in training), one scalar for every pair, with its gradient per the convention
 * `gradChosen[i] = ∂(Σⱼ Lⱼ)/∂cᵢ` (B times the gradient of the batch mean).
 *
 * ```text
 * S = −Σᵢ cᵢ / Σᵢ ℓcᵢ = −mean(c)/mean(ℓc)      ∂S/∂cᵢ = −1/Σℓc      ∂(Σⱼ S)/∂cᵢ = −1/mean(ℓc)
 * ```
 * This is `F.cross_entropy` over the chosen completion tokens in DPOTrainer's `sft` and CPOTrainer's NLL;
 * not the mean of per-sequence averages (which weighs a short answer's tokens more).
 */
export function tokenMeanNll<T>(m: LossMath<T>, batch: BatchMeans<T>): { loss: T; gradChosen: T } {
  return {
    loss: m.neg(m.div(batch.policyChosen, batch.chosenLength)),
    gradChosen: m.neg(m.div(m.constant(1), batch.chosenLength)),
  };
}
