/**
 * A batch of preference pairs: per-sequence **summed** completion log-probs under the policy and the frozen
 * reference model (prompt and padding tokens excluded), one entry per example.
 */
export interface PairedBatch {
  policyChosen: ArrayLike<number>;
  policyRejected: ArrayLike<number>;
  referenceChosen: ArrayLike<number>;
  referenceRejected: ArrayLike<number>;
  /** Completion token counts of the chosen answers (needed by length-normalised losses). */
  chosenLength?: ArrayLike<number>;
  /** Completion token counts of the rejected answers. */
  rejectedLength?: ArrayLike<number>;
  /**
   * Per-pair anchor weights a ∈ [0, 1]: 0 trains the pair with APO-zero, 1 with APO-down, values between
   * mix the two (`apo_anchored`, the paper's per-pair choice of anchor). Required by the losses that read
   * it; ignored by the others.
   */
  anchorDown?: ArrayLike<number>;
}

/** A paired batch for the reference-free losses (CPO, SimPO, ORPO, SFT): reference log-probs are optional. */
export type ReferenceFreeBatch = Omit<PairedBatch, "referenceChosen" | "referenceRejected"> &
  Partial<Pick<PairedBatch, "referenceChosen" | "referenceRejected">>;

/** The result of a paired loss. All arrays have one entry per example. */
export interface PairedLossResult {
  /** Mean of `losses` over the batch. */
  loss: number;
  /** Per-example losses. */
  losses: Float64Array;
  /**
   * ∂(Σⱼ lossesⱼ)/∂policyChosenᵢ: the per-example gradient, not divided by the batch size (divide by B for
   * the gradient of `loss`). For every loss except AOT this is ∂lossesᵢ/∂policyChosenᵢ.
   */
  gradChosen: Float64Array;
  /** ∂(Σⱼ lossesⱼ)/∂policyRejectedᵢ. */
  gradRejected: Float64Array;
  /** Implicit rewards of the chosen answers: β·(c − c0) (β·c or β·c/ℓ for reference-free losses). */
  chosenRewards: Float64Array;
  /** Implicit rewards of the rejected answers. */
  rejectedRewards: Float64Array;
}

/**
 * A batch in KTO's unpaired format: one completion per example with a desirable/undesirable label.
 */
export interface UnpairedBatch {
  /** Summed completion log-probs under the policy. */
  policy: ArrayLike<number>;
  /** Summed completion log-probs under the reference model. */
  reference: ArrayLike<number>;
  /** `true` for a desirable completion, `false` for an undesirable one. */
  label: ArrayLike<boolean>;
  /**
   * Detached KL reference point z0 ≥ 0. If absent, KTO estimates it from `policyMismatched` and
   * `referenceMismatched` (see `estimateKl`).
   */
  kl?: number;
  /** Policy log-probs of mismatched (prompt, completion) pairs, e.g. completions rotated by one. */
  policyMismatched?: ArrayLike<number>;
  /** Reference log-probs of the same mismatched pairs. */
  referenceMismatched?: ArrayLike<number>;
}

/** The result of an unpaired loss. */
export interface UnpairedLossResult {
  /** Mean of `losses` over all examples (desirable and undesirable). */
  loss: number;
  /** Per-example weighted losses. */
  losses: Float64Array;
  /** ∂lossesᵢ/∂policyᵢ (not divided by the batch size; the KL point is detached). */
  grad: Float64Array;
  /** β·(policy − reference). */
  rewards: Float64Array;
  /** The KL reference point used (0 for losses without one). */
  kl: number;
}
