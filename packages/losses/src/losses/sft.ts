import type { PairedLossResult, ReferenceFreeBatch } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";

/** Parameters of the SFT term. */
export interface SftParams {
  /** Scale of the reported rewards β·c only (default 0.1); the loss does not depend on it. */
  beta: number;
}

/**
 * Supervised fine-tuning on the chosen answer (TRL `sft`): its negative log-likelihood. Combine it with a
 * preference loss through `combineLosses` (DPO + SFT is RPO).
 *
 * ```text
 * L = −c      ∂L/∂c = −1      ∂L/∂r = 0
 * ```
 * c is the summed log-prob; pass `policyChosen[i] / chosenLength[i]` for TRL's per-token average.
 */
export const sft = definePairedLoss<SftParams>({
  name: "sft",
  reference: "negative log-likelihood of the chosen completion",
  defaults: { beta: 0.1 },
  rewards: "log-prob",
  validate: (p) => checkBeta("sft", p.beta),
  terms(m, x) {
    return { loss: m.neg(x.policyChosen), gradChosen: m.constant(-1), gradRejected: m.constant(0) };
  },
});

/**
 * SFT loss and gradients. See {@link sft}.
 * @example
 * ```ts
 * sftLoss({ policyChosen: [-12], policyRejected: [-20] }).loss; // 12
 * ```
 */
export function sftLoss(batch: ReferenceFreeBatch, params?: Partial<SftParams>): PairedLossResult {
  return runPairedLoss(sft, batch, params);
}
