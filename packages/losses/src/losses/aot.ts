import type { PairedBatch, PairedLossResult } from "../batch.js";
import { definePairedLoss } from "../definition.js";
import { checkBeta, checkRange } from "../params.js";
import { runPairedLoss } from "../run-paired-loss.js";
import { smoothedMarginTerms } from "./sigmoid.js";

/** Parameters of AOT (paired and unpaired). */
export interface AotParams {
  /** β > 0 (default 0.1). */
  beta: number;
  /** Label smoothing ε ∈ [0, 0.5] (TRL's `label_smoothing`, default 0). */
  labelSmoothing: number;
}

/** β > 0 and ε ∈ [0, 0.5], errors naming `loss`. */
export function aotParams(loss: string): (p: AotParams) => void {
  return (p) => {
    checkBeta(loss, p.beta);
    checkRange(loss, "labelSmoothing", p.labelSmoothing, 0, 0.5, { hiOpen: false });
  };
}

/**
 * Alignment via optimal transport, paired form (TRL `aot`): the policy margins c − r and the reference
 * margins c0 − r0 are each sorted over the batch and matched by rank (first-order stochastic dominance).
 *
 * ```text
 * δ_k = sort(c − r)_k − sort(c0 − r0)_k
 * L_k = (1 − ε) sp(−βδ_k) + ε sp(βδ_k)
 * ∂(Σ L)/∂cᵢ = β ℓ'(βδ_k) for the rank k of example i's margin, ∂/∂rᵢ = −∂/∂cᵢ
 * ```
 * `losses[k]` is the loss at rank k (not example k); gradients are per example. With one pair AOT equals DPO.
 * Reference: Melnyk et al. 2024, "Distributional Preference Alignment of LLMs via Optimal Transport".
 */
export const aot = definePairedLoss<AotParams>({
  name: "aot",
  reference: "Melnyk et al. 2024 (AOT)",
  defaults: { beta: 0.1, labelSmoothing: 0 },
  coupling: "sorted-margins",
  validate: aotParams("aot"),
  terms: (m, x, p) => smoothedMarginTerms(m, x, p.beta, p.labelSmoothing),
});

/**
 * AOT (paired) loss and gradients. See {@link aot}.
 * @example
 * ```ts
 * aotLoss(batch).loss;
 * ```
 */
export function aotLoss(batch: PairedBatch, params?: Partial<AotParams>): PairedLossResult {
  return runPairedLoss(aot, batch, params);
}
