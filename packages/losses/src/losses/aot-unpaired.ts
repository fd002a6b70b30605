import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { type AotParams, aotParams } from "./aot.js";
import { smoothedMarginTerms } from "./sigmoid.js";

/**
 * Alignment via optimal transport for unpaired data (TRL `aot_unpaired`; formerly our `aot_pair`, still
 * accepted as a deprecated alias): the chosen log-ratios Δc and the rejected log-ratios Δr are sorted
 * independently and matched by rank, so the chosen and rejected answers need not share prompts.
 *
 * ```text
 * δ_k = sort(Δc)_k − sort(Δr)_k
 * L_k = (1 − ε) sp(−βδ_k) + ε sp(βδ_k)
 * ∂(Σ L)/∂cᵢ = β ℓ'(βδ_k) at the rank k of Δcᵢ;  ∂(Σ L)/∂rⱼ = −β ℓ'(βδ_k) at the rank k of Δrⱼ
 * ```
 * Reference: Melnyk et al. 2024, "Distributional Preference Alignment of LLMs via Optimal Transport".
 */
export const aotUnpaired = definePairedLoss<AotParams>({
  name: "aot_unpaired",
  reference: "Melnyk et al. 2024 (AOT, unpaired)",
  defaults: { beta: 0.1, labelSmoothing: 0 },
  coupling: "sorted-log-ratios",
  validate: aotParams("aot_unpaired"),
  terms: (m, x, p) => smoothedMarginTerms(m, x, p.beta, p.labelSmoothing),
});

/**
 * The same definition as {@link aotUnpaired}, under the name this library used before TRL's.
 * @deprecated Use `aotUnpaired` (TRL `aot_unpaired`); `aot_pair` in `LOSSES` is the same object.
 */
export const aotPair = aotUnpaired;

/**
 * AOT for unpaired chosen/rejected sets, loss and gradients. See {@link aotUnpaired}.
 * @example
 * ```ts
 * aotUnpairedLoss(batch).gradChosen;
 * ```
 */
export function aotUnpairedLoss(batch: PairedBatch, params?: Partial<AotParams>): PairedLossResult {
  return runPairedLoss(aotUnpaired, batch, params);
}
