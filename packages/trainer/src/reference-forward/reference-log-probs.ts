import type { ModelConfig } from "../config/model-config.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { gpt2ReferenceLogSoftmax } from "./gpt2-reference.js";
import { llamaReferenceLogSoftmax } from "./llama-reference.js";
import { completionLogProb, type Mat } from "./reference-math.js";

/**
 * Per-position log-softmax of any supported architecture, from the plain float64 reference forward.
 *
 * @example
 * ```ts
 * const logp = referenceLogSoftmax(config, weights, [1, 2, 3]);
 * ```
 */
export function referenceLogSoftmax(config: ModelConfig, weights: WeightMap, ids: readonly number[]): Mat {
  return config.family === "llama"
    ? llamaReferenceLogSoftmax(config, weights, ids)
    : gpt2ReferenceLogSoftmax(config, weights, ids);
}

/**
 * Summed completion log-prob of one (prompt, completion) sequence by the reference forward:
 * Σ_{t=|prompt|}^{T−1} log p(ids[t] | ids[<t]), and the completion token count.
 *
 * @example
 * ```ts
 * const { logp, tokens } = referenceCompletionLogProb(config, weights, [1, 5], [7, 2]);
 * ```
 */
export function referenceCompletionLogProb(
  config: ModelConfig,
  weights: WeightMap,
  promptIds: readonly number[],
  completionIds: readonly number[],
): { logp: number; tokens: number } {
  const ids = [...promptIds, ...completionIds];
  const logSoftmax = referenceLogSoftmax(config, weights, ids);
  const tokens = ids.length - Math.max(promptIds.length, 1);
  return { logp: completionLogProb(logSoftmax, ids, promptIds.length), tokens };
}
