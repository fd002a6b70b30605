import type { UnpairedBatch, UnpairedLossResult } from "../batch.js";
import { defineUnpairedLoss } from "../definition.js";
import { runUnpairedLoss } from "../run-unpaired-loss.js";
import { type KtoParams, kto } from "./kto.js";

/** Parameters of unpaired APO-zero (the same as KTO's). */
export type ApoZeroUnpairedParams = KtoParams;

/**
 * APO-zero for unpaired data (TRL `KTOTrainer`, `loss_type="apo_zero_unpaired"`): KTO with the KL
 * reference point fixed at 0, so desirable outputs are pushed up and undesirable ones down absolutely.
 *
 * ```text
 * desirable:   L = w_d (1 − σ(βΔ))      ∂L/∂policy = −w_d β σ'(βΔ)
 * undesirable: L = w_u σ(βΔ)            ∂L/∂policy = +w_u β σ'(βΔ)
 * ```
 * Reference: D'Oosterlinck et al. 2024, §4 (APO-zero), unpaired variant in TRL.
 */
export const apoZeroUnpaired = defineUnpairedLoss<ApoZeroUnpairedParams>({
  name: "apo_zero_unpaired",
  reference: "D'Oosterlinck et al. 2024 (APO-zero), unpaired form",
  defaults: kto.defaults,
  usesKl: false,
  validate: kto.validate,
  terms: kto.terms,
});

/**
 * Unpaired APO-zero loss and gradients. See {@link apoZeroUnpaired}.
 * @example
 * ```ts
 * apoZeroUnpairedLoss({ policy: [-10, -12], reference: [-11, -11], label: [true, false] });
 * ```
 */
export function apoZeroUnpairedLoss(
  batch: UnpairedBatch,
  params?: Partial<ApoZeroUnpairedParams>,
): UnpairedLossResult {
  return runUnpairedLoss(apoZeroUnpaired, batch, params);
}
