import type { LlamaConfig } from "../config/model-config.js";
import { ropeInverseFrequencies } from "../config/rope-frequencies.js";
import { attention, linear, splitHeads } from "../models/graph-helpers.js";
import type { FloatType } from "../models/model-family.js";
import type { GraphBuilder } from "../onnx/builder.js";
import type { CachedFamily } from "./cached-family.js";
import { lastPosition } from "./cached-inputs.js";

function rmsNorm(g: GraphBuilder, x: string, w: string, eps: number, dtype: FloatType): string {
  const meanSquare = g.op("ReduceMean", [g.op("Mul", [x, x]), g.int64s([-1])], { keepdims: 1 });
  const inv = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [meanSquare, g.scalar(eps, dtype)])])]);
  return g.op("Mul", [g.op("Mul", [x, inv]), w]);
}

/** cos and signed sin of the rotary angles, [B, 1, S, d]; `rope(x) = x ⊙ cos + swapHalves(x) ⊙ sin`. */
function rotaryTables(g: GraphBuilder, config: LlamaConfig, positionIds: string, dtype: FloatType) {
  const inv = ropeInverseFrequencies(config);
  const d = config.headDim;
  const freqs = dtype === "float64" ? new Float64Array(d) : new Float32Array(d);
  const signs = dtype === "float64" ? new Float64Array(d) : new Float32Array(d);
  for (let j = 0; j < d; j++) {
    freqs[j] = inv[j % (d / 2)]!;
    signs[j] = j < d / 2 ? -1 : 1;
  }
  const pos = g.op("Unsqueeze", [g.cast(positionIds, dtype), g.int64s([-1])]);
  const angles = g.op("Unsqueeze", [g.op("Mul", [pos, g.constant(freqs, [d])]), g.int64s([1])]);
  return {
    cos: g.op("Cos", [angles]),
    sin: g.op("Mul", [g.op("Sin", [angles]), g.constant(signs, [d])]),
  };
}

function rope(g: GraphBuilder, x: string, tables: { cos: string; sin: string }, d: number): string {
  const [first, second] = g.opN("Split", [x, g.int64s([d / 2, d / 2])], 2, { axis: -1 });
  const swapped = g.op("Concat", [second!, first!], { axis: -1 });
  return g.op("Add", [g.op("Mul", [x, tables.cos]), g.op("Mul", [swapped, tables.sin])]);
}

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
    const { headDim: d, numHeads: heads, numKeyValueHeads: kvHeads, rmsNormEps: eps } = config;
    const { dtype } = inputs;
    const optional = (name: string, present: boolean) => (present ? weight(name) : undefined);
    let h = g.op("Gather", [weight("model.embed_tokens.weight"), inputs.inputIds], { axis: 0 });
    const tables = g.scoped("rotary", () => rotaryTables(g, config, inputs.positionIds, dtype));
    const present: { key: string; value: string }[] = [];
    for (let l = 0; l < config.numLayers; l++) {
      const p = `model.layers.${l}.`;
      const past = inputs.past[l]!;
      h = g.scoped(`layers.${l}`, () => {
        const proj = (name: string, x: string, bias: boolean) =>
          linear(g, x, weight(`${p}${name}.weight`), optional(`${p}${name}.bias`, bias));
        const x = rmsNorm(g, h, weight(`${p}input_layernorm.weight`), eps, dtype);
        const q = rope(g, splitHeads(g, proj("self_attn.q_proj", x, config.qkvBias), heads, d), tables, d);
        const k = rope(g, splitHeads(g, proj("self_attn.k_proj", x, config.qkvBias), kvHeads, d), tables, d);
        const v = splitHeads(g, proj("self_attn.v_proj", x, config.qkvBias), kvHeads, d);
        const key = g.op("Concat", [past.key, k], { axis: 2 });
        const value = g.op("Concat", [past.value, v], { axis: 2 });
        present.push({ key, value });
        const attn = attention(g, q, key, value, inputs.attentionBias, { heads, kvHeads, headDim: d, dtype });
        const h1 = g.op("Add", [h, proj("self_attn.o_proj", attn, config.outputBias)]);
        const y = rmsNorm(g, h1, weight(`${p}post_attention_layernorm.weight`), eps, dtype);
        const gate = proj("mlp.gate_proj", y, config.mlpBias);
        const act = g.op("Mul", [
          g.op("Mul", [gate, g.op("Sigmoid", [gate])]),
          proj("mlp.up_proj", y, config.mlpBias),
        ]);
        return g.op("Add", [h1, proj("mlp.down_proj", act, config.mlpBias)]);
      });
    }
    const last = inputs.lastOnly ? lastPosition(g, h) : h;
    const final = rmsNorm(g, last, weight("model.norm.weight"), eps, dtype);
    const head = weight(config.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight");
    return { logits: linear(g, final, head), present };
  },
};
