import type { Gpt2Config } from "../config/model-config.js";
import { gpt2Decoder, gpt2Head } from "../models/families/gpt2.js";
import type { CachedFamily } from "./cached-family.js";
import { appendPast, lastPosition } from "./cached-inputs.js";

/**
 * GPT-2 with a key/value cache: learned positions of the new tokens, q/k/v from the fused Conv1D, keys
 * and values appended to the past ones.
 *
 * ```text
 * k_l ← concat(past_k_l, k(ln₁h));  v_l ← concat(past_v_l, v(ln₁h));  attention over all P + S keys
 * ```
 *
 * @example
 * ```ts
 * const { logits, present } = cachedGpt2.build(g, config, (name) => name, inputs, names);
 * ```
 */
export const cachedGpt2: CachedFamily<Gpt2Config> = {
  family: "gpt2",

  cacheDims(config) {
    return { layers: config.numLayers, kvHeads: config.numHeads, headDim: config.headDim };
  },

  build(g, config, weight, inputs, names) {
    const present: { key: string; value: string }[] = [];
    const hidden = gpt2Decoder(g, config, weight, inputs, names, appendPast(g, inputs.past, present));
    const last = inputs.lastOnly ? lastPosition(g, hidden) : hidden;
    return { logits: gpt2Head(g, config, weight, names, last), present };
  },
};
