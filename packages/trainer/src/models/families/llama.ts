import type { LlamaConfig } from "../../config/model-config.js";
import { ropeInverseFrequencies } from "../../config/rope-frequencies.js";
import { appendPast, lastPosition } from "../../generate/cached-inputs.js";
import type { GraphBuilder } from "../../onnx/builder.js";
import { attentionForLength } from "../blocked-attention.js";
import { linear, splitHeads } from "../graph-helpers.js";
import type {
  FloatType,
  ForwardInputs,
  KeyValueHook,
  ModelFamily,
  TinyDims,
  WeightSpec,
} from "../model-family.js";

function rmsNorm(g: GraphBuilder, x: string, w: string, eps: number, dtype: FloatType): string {
  const meanSquare = g.op("ReduceMean", [g.op("Mul", [x, x]), g.int64s([-1])], { keepdims: 1 });
  const inv = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [meanSquare, g.scalar(eps, dtype)])])]);
  return g.op("Mul", [g.op("Mul", [x, inv]), w]);
}

/**
 * cos and sin of the rotary angles, [B, 1, T, d] each; `sin` carries the sign of rotate_half so that
 * `rope(x) = x ⊙ cos + swapHalves(x) ⊙ sinSigned`.
 *
 * ```text
 * angle[b, t, j] = pos[b, t] · θ_(j mod d/2);  sinSigned = [−sin(first half), sin(second half)]
 * ```
 */
function rotaryTables(
  g: GraphBuilder,
  config: LlamaConfig,
  positionIds: string,
  dtype: FloatType,
): { cos: string; sin: string } {
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
 * The Llama decoder stack: token embeddings through every layer, up to (not including) the final norm.
 * `kv` sees each layer's keys (after RoPE) and values and gives those attention reads (the cache hook).
 *
 * ```text
 * h ← h + o(attn(rope(q(n₁h)), kv(rope(k(n₁h)), v(n₁h))));  h ← h + down(silu(gate(n₂h)) ⊙ up(n₂h))
 * ```
 *
 * @example
 * ```ts
 * const hidden = llamaDecoder(g, config, (name) => name, inputs);
 * ```
 */
function llamaDecoder(
  g: GraphBuilder,
  config: LlamaConfig,
  weight: (name: string) => string,
  inputs: ForwardInputs,
  kv?: KeyValueHook,
): string {
  const { headDim: d, numHeads: heads, numKeyValueHeads: kvHeads, rmsNormEps: eps } = config;
  const { dtype } = inputs;
  const optional = (name: string, present: boolean) => (present ? weight(name) : undefined);
  let h = g.op("Gather", [weight("model.embed_tokens.weight"), inputs.inputIds], { axis: 0 });
  const tables = g.scoped("rotary", () => rotaryTables(g, config, inputs.positionIds, dtype));
  for (let l = 0; l < config.numLayers; l++) {
    const p = `model.layers.${l}.`;
    h = g.scoped(`layers.${l}`, () => {
      const proj = (name: string, x: string, bias: boolean) =>
        linear(g, x, weight(`${p}${name}.weight`), optional(`${p}${name}.bias`, bias));
      const x = rmsNorm(g, h, weight(`${p}input_layernorm.weight`), eps, dtype);
      const q = rope(g, splitHeads(g, proj("self_attn.q_proj", x, config.qkvBias), heads, d), tables, d);
      const k = rope(g, splitHeads(g, proj("self_attn.k_proj", x, config.qkvBias), kvHeads, d), tables, d);
      const v = splitHeads(g, proj("self_attn.v_proj", x, config.qkvBias), kvHeads, d);
      const { key, value } = kv === undefined ? { key: k, value: v } : kv(l, k, v);
      const trainable = kv === undefined && g.constantOf(weight(`${p}self_attn.q_proj.weight`)) === undefined;
      const dims = { heads, kvHeads, headDim: d, dtype };
      const attn = attentionForLength(g, q, key, value, inputs.attentionBias, dims, trainable);
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
  return h;
}

/**
 * The final RMSNorm and the LM head (tied to the embeddings when the config says so) on hidden states.
 *
 * ```text
 * logits = rmsnorm(h) · Wᵀ,  W = lm_head or embed_tokens
 * ```
 *
 * @example
 * ```ts
 * const logits = llamaHead(g, config, (name) => name, hidden, "float32");
 * ```
 */
function llamaHead(
  g: GraphBuilder,
  config: LlamaConfig,
  weight: (name: string) => string,
  hidden: string,
  dtype: FloatType,
): string {
  const { hidden: final, head } = llamaFinal(g, config, weight, hidden, dtype);
  return linear(g, final, head);
}

/** The final RMSNorm of the decoder's output and the LM head's weight (the embeddings when tied). */
function llamaFinal(
  g: GraphBuilder,
  config: LlamaConfig,
  weight: (name: string) => string,
  hidden: string,
  dtype: FloatType,
): { hidden: string; head: string } {
  return {
    hidden: rmsNorm(g, hidden, weight("model.norm.weight"), config.rmsNormEps, dtype),
    head: weight(config.tieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight"),
  };
}

/**
 * The Llama family (Llama 2/3, Mistral, Qwen2, SmolLM): RMSNorm, RoPE (rotate_half, optional llama3 or
 * linear scaling), grouped-query attention, SwiGLU MLP, tied or untied LM head. With a key/value cache,
 * keys are cached after RoPE, as transformers does, so a past entry never needs its position again.
 *
 * ```text
 * h ← h + o(attn(rope(q(n₁h)), rope(k(n₁h)), v(n₁h)));  h ← h + down(silu(gate(n₂h)) ⊙ up(n₂h))
 * rmsnorm(x) = x / √(mean(x²) + ε) ⊙ w
 * cached: k_l ← concat(past_k_l, rope(k(n₁h)));  v_l ← concat(past_v_l, v(n₁h));  attention over all P + S keys
 * ```
 *
 * @example
 * ```ts
 * const logits = llama.buildLogits(g, config, (name) => name, inputs);
 * ```
 */
export const llama: ModelFamily<LlamaConfig> = {
  family: "llama",

  weightSpecs(config: LlamaConfig): WeightSpec[] {
    const { hiddenSize: e, headDim: d, numHeads: h, numKeyValueHeads: kv, intermediateSize: ff } = config;
    const specs: WeightSpec[] = [
      { name: "model.embed_tokens.weight", shape: [config.vocabSize, e], init: "normal" },
    ];
    const add = (name: string, shape: number[], init: WeightSpec["init"] = "normal") =>
      specs.push({ name, shape, init });
    for (let l = 0; l < config.numLayers; l++) {
      const p = `model.layers.${l}.`;
      add(`${p}input_layernorm.weight`, [e], "ones");
      const projections: [string, number, number, boolean][] = [
        ["q_proj", h * d, e, config.qkvBias],
        ["k_proj", kv * d, e, config.qkvBias],
        ["v_proj", kv * d, e, config.qkvBias],
        ["o_proj", e, h * d, config.outputBias],
      ];
      for (const [name, out, inp, bias] of projections) {
        add(`${p}self_attn.${name}.weight`, [out, inp]);
        if (bias) add(`${p}self_attn.${name}.bias`, [out], "zeros");
      }
      add(`${p}post_attention_layernorm.weight`, [e], "ones");
      const mlp: [string, number, number][] = [
        ["gate_proj", ff, e],
        ["up_proj", ff, e],
        ["down_proj", e, ff],
      ];
      for (const [name, out, inp] of mlp) {
        add(`${p}mlp.${name}.weight`, [out, inp]);
        if (config.mlpBias) add(`${p}mlp.${name}.bias`, [out], "zeros");
      }
    }
    add("model.norm.weight", [e], "ones");
    if (!config.tieWordEmbeddings) add("lm_head.weight", [config.vocabSize, e]);
    return specs;
  },

  buildLogits(g, config, weight, inputs: ForwardInputs): string {
    return llamaHead(g, config, weight, llamaDecoder(g, config, weight, inputs), inputs.dtype);
  },

  buildHidden(g, config, weight, inputs: ForwardInputs) {
    return llamaFinal(g, config, weight, llamaDecoder(g, config, weight, inputs), inputs.dtype);
  },

  cached: {
    cacheDims(config) {
      return { layers: config.numLayers, kvHeads: config.numKeyValueHeads, headDim: config.headDim };
    },

    build(g, config, weight, inputs) {
      const present: { key: string; value: string }[] = [];
      const hidden = llamaDecoder(g, config, weight, inputs, appendPast(g, inputs.past, present));
      const last = inputs.lastOnly ? lastPosition(g, hidden) : hidden;
      return { logits: llamaHead(g, config, weight, last, inputs.dtype), present };
    },
  },

  tinyConfig(dims: TinyDims): Record<string, unknown> {
    const kv = dims.numKeyValueHeads ?? (dims.numHeads % 2 === 0 ? dims.numHeads / 2 : dims.numHeads);
    return {
      architectures: ["LlamaForCausalLM"],
      model_type: "llama",
      vocab_size: dims.vocabSize,
      hidden_size: dims.hiddenSize,
      intermediate_size: dims.intermediateSize,
      num_hidden_layers: dims.numLayers,
      num_attention_heads: dims.numHeads,
      num_key_value_heads: kv,
      head_dim: dims.hiddenSize / dims.numHeads,
      max_position_embeddings: dims.maxPositions,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      rope_scaling: null,
      hidden_act: "silu",
      attention_bias: false,
      mlp_bias: false,
      tie_word_embeddings: dims.tieWordEmbeddings ?? false,
      bos_token_id: dims.bosTokenId,
      eos_token_id: dims.eosTokenId,
      pad_token_id: dims.padTokenId,
      torch_dtype: "float32",
    };
  },
};
