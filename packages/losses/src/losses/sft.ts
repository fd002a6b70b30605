import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { tokenMeanNll } from "../terms/token-mean-nll.js";

/** Parameters of the SFT term. */
export interface SftParams {
  /** Scale of the reported rewards β·Δ only (default 0.1); the loss does not depend on it. */
  beta: number;
}

/**
 * Supervised fine-tuning on the chosen answers (TRL `sft`), as TRL 1.13 computes it: the negative
 * log-likelihood averaged over all chosen completion tokens of the batch (the micro-batch in training), one
 * scalar S shared by every pair, so the batch mean is S. Combine it with a preference loss through
 * `weightedLossSum` or `combineLosses` (sigmoid + SFT is RPO-style). Needs token counts; rewards are β·Δ,
 * as TRL logs them.
 *
 * ```text
 * Lᵢ = S = −Σⱼ cⱼ / Σⱼ ℓcⱼ        ∂(Σⱼ Lⱼ)/∂cᵢ = −B/Σℓc = −1/mean(ℓc)        ∂/∂r = 0
 * ```
 */
export const sft = definePairedLoss<SftParams>({
  name: "sft",
  reference: "TRL DPOTrainer loss_type sft: token-mean NLL of the chosen completions",
  defaults: { beta: 0.1 },
  usesLengths: true,
  coupling: "batch-means",
  validate: (p) => checkBeta("sft", p.beta),
  terms(m, _x, _p, batch) {
    const nll = tokenMeanNll(m, batch);
    return { loss: nll.loss, gradChosen: nll.gradChosen, gradRejected: m.constant(0) };
  },
});

/**
 * SFT loss and gradients. See {@link sft}.
 * @example
 * ```ts
 * const batch = { policyChosen: [-12, -4], policyRejected: [-1, -1], referenceChosen: [-12, -4], referenceRejected: [-1, -1] };
 * sftLoss({ ...batch, chosenLength: [3, 1], rejectedLength: [1, 1] }).loss; // 16 / 4 = 4
 * ```
 */
export function sftLoss(batch: PairedBatch, params?: Partial<SftParams>): PairedLossResult {
  return runPairedLoss(sft, batch, params);
}
