import type { Gpt2Config } from "../config/model-config.js";
import { attention, conv1d, linear, splitHeads } from "../models/graph-helpers.js";
import type { FloatType } from "../models/model-family.js";
import type { GraphBuilder } from "../onnx/builder.js";
import type { CachedFamily } from "./cached-family.js";
import { lastPosition } from "./cached-inputs.js";

/** GELU, tanh approximation (HF `gelu_new`): ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
function geluNew(g: GraphBuilder, x: string, dtype: FloatType): string {
  const cube = g.op("Mul", [g.op("Mul", [x, x]), x]);
  const inner = g.op("Add", [x, g.op("Mul", [cube, g.scalar(0.044715, dtype)])]);
  const t = g.op("Tanh", [g.op("Mul", [inner, g.scalar(Math.sqrt(2 / Math.PI), dtype)])]);
  return g.op("Mul", [g.op("Mul", [x, g.scalar(0.5, dtype)]), g.op("Add", [t, g.scalar(1, dtype)])]);
}

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
    const { hiddenSize: e, numHeads: heads, headDim: d, layerNormEps: epsilon } = config;
    // GPT2LMHeadModel checkpoints prefix `transformer.`; GPT2Model ones (openai-community/gpt2) do not.
    const p = names.has("wte.weight") ? "" : "transformer.";
    const w = (name: string) => weight(p + name);
    const layerNorm = (x: string, name: string) =>
      g.op("LayerNormalization", [x, w(`${name}.weight`), w(`${name}.bias`)], { axis: -1, epsilon });
    const tokens = g.op("Gather", [w("wte.weight"), inputs.inputIds], { axis: 0 });
    let h = g.op("Add", [tokens, g.op("Gather", [w("wpe.weight"), inputs.positionIds], { axis: 0 })]);
    const present: { key: string; value: string }[] = [];
    for (let l = 0; l < config.numLayers; l++) {
      const b = `h.${l}.`;
      const past = inputs.past[l]!;
      h = g.scoped(`h.${l}`, () => {
        const dense = (x: string, name: string) =>
          conv1d(g, x, w(`${b}${name}.weight`), w(`${b}${name}.bias`));
        const qkv = dense(layerNorm(h, `${b}ln_1`), "attn.c_attn");
        const [q, k, v] = g.opN("Split", [qkv, g.int64s([e, e, e])], 3, { axis: -1 });
        const key = g.op("Concat", [past.key, splitHeads(g, k!, heads, d)], { axis: 2 });
        const value = g.op("Concat", [past.value, splitHeads(g, v!, heads, d)], { axis: 2 });
        present.push({ key, value });
        const attn = attention(g, splitHeads(g, q!, heads, d), key, value, inputs.attentionBias, {
          heads,
          kvHeads: heads,
          headDim: d,
          dtype: inputs.dtype,
        });
        const h1 = g.op("Add", [h, dense(attn, "attn.c_proj")]);
        const act = geluNew(g, dense(layerNorm(h1, `${b}ln_2`), "mlp.c_fc"), inputs.dtype);
        return g.op("Add", [h1, dense(act, "mlp.c_proj")]);
      });
    }
    const last = inputs.lastOnly ? lastPosition(g, h) : h;
    return { logits: linear(g, layerNorm(last, "ln_f"), w("wte.weight")), present };
  },
};
