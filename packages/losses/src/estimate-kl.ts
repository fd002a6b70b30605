import { LossEmptyBatchError } from "./errors.js";
import { checkAllFinite, checkLength } from "./validate.js";

/** Log-probs of mismatched (prompt, completion) pairs under the policy and the reference. */
export interface MismatchedLogProbs {
  /** Policy log-probs of completion j under prompt i ≠ j (e.g. completions rotated by one). */
  policyMismatched: ArrayLike<number>;
  /** Reference log-probs of the same mismatched pairs. */
  referenceMismatched: ArrayLike<number>;
}

/**
 * KTO's KL reference point, estimated from mismatched pairs and treated as a constant (no gradient).
 *
 * ```text
 * z0 = max(0, mean_i(policyMismatchedᵢ − referenceMismatchedᵢ))
 * ```
 * Build the mismatched pairs by pairing each prompt with another example's completion, e.g. rotating the
 * completions of a batch by one; that needs a batch of at least 2.
 * Reference: Ethayarajh et al. 2024, "KTO", §4.
 * @example
 * ```ts
 * const z0 = estimateKl({ policyMismatched: [-30, -41], referenceMismatched: [-31, -40] }); // 0
 * ```
 */
export function estimateKl(pairs: MismatchedLogProbs): number {
  const p = pairs.policyMismatched;
  const q = pairs.referenceMismatched;
  if (p.length === 0) throw new LossEmptyBatchError("estimateKl");
  checkLength("referenceMismatched", q, p.length, "policyMismatched");
  checkAllFinite("policyMismatched", p);
  checkAllFinite("referenceMismatched", q);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += (p[i] as number) - (q[i] as number);
  const mean = sum / p.length;
  return Math.max(mean, 0);
}
