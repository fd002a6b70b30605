import type { FloatArray, PretrainedModel, PromptCompletion } from "@apo/trainer";

/** The model with new weights (same config and tokenizer): what a trained session hands on. */
export function withWeights(
  model: PretrainedModel,
  weights: ReadonlyMap<string, FloatArray>,
): PretrainedModel {
  const next = new Map(model.weights);
  for (const [name, data] of weights) {
    const old = model.weights.get(name);
    if (old !== undefined) next.set(name, { shape: old.shape, data: Float32Array.from(data) });
  }
  return { ...model, weights: next };
}

/**
 * Token ids of a prompt (after BOS) and of a completion (before EOS, truncated to the model's context), as
 * the trainer packs them.
 */
export function encodePair(model: PretrainedModel, prompt: string, completion: string): PromptCompletion {
  const tokenizer = model.tokenizer;
  if (tokenizer === null) throw new Error("the demo model has a tokenizer");
  const promptIds = [tokenizer.bosTokenId ?? 1, ...tokenizer.encode(prompt)];
  // Truncate the completion to the context, as trainers do (a sampled answer may be long garbage).
  const room = Math.max(0, model.config.maxPositions - promptIds.length - 1);
  return {
    promptIds,
    completionIds: [...tokenizer.encode(completion).slice(0, room), tokenizer.eosTokenId ?? 2],
  };
}

/** Prompt ids for generation. */
export function encodePrompt(model: PretrainedModel, prompt: string): { ids: readonly number[] } {
  return { ids: encodePair(model, prompt, "").promptIds };
}
