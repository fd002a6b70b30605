import type { LlamaConfig } from "../config/model-config.js";
import { llamaDecoder, llamaHead } from "../models/families/llama.js";
import type { CachedFamily } from "./cached-family.js";
import { appendPast, lastPosition } from "./cached-inputs.js";

/**
 * The Llama family (Llama 2/3, Mistral, Qwen2, SmolLM) with a key/value cache. Keys are cached after
 * RoPE, as transformers does, so a past entry never needs its position again.
 *
 * ```text
 * k_l ← concat(past_k_l, rope(k(n₁h)));  v_l ← concat(past_v_l, v(n₁h));  attention over all P + S keys
 * ```
 *
 * @example
 * ```ts
 * const { logits, present } = cachedLlama.build(g, config, (name) => name, inputs, names);
 * ```
 */
export const cachedLlama: CachedFamily<LlamaConfig> = {
  family: "llama",

  cacheDims(config) {
    return { layers: config.numLayers, kvHeads: config.numKeyValueHeads, headDim: config.headDim };
  },

  build(g, config, weight, inputs) {
    const present: { key: string; value: string }[] = [];
    const hidden = llamaDecoder(g, config, weight, inputs, appendPast(g, inputs.past, present));
    const last = inputs.lastOnly ? lastPosition(g, hidden) : hidden;
    return { logits: llamaHead(g, config, weight, last, inputs.dtype), present };
  },
};
