import type { Gpt2Config } from "../../config/model-config.js";
import { appendPast, lastPosition } from "../../generate/cached-inputs.js";
import type { GraphBuilder } from "../../onnx/builder.js";
import { attention, conv1d, linear, splitHeads } from "../graph-helpers.js";
import type {
  FloatType,
  ForwardInputs,
  KeyValueHook,
  ModelFamily,
  TinyDims,
  WeightSpec,
} from "../model-family.js";

/** GELU, tanh approximation (HF `gelu_new`): ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
function geluNew(g: GraphBuilder, x: string, dtype: FloatType): string {
  const cube = g.op("Mul", [g.op("Mul", [x, x]), x]);
  const inner = g.op("Add", [x, g.op("Mul", [cube, g.scalar(0.044715, dtype)])]);
  const t = g.op("Tanh", [g.op("Mul", [inner, g.scalar(Math.sqrt(2 / Math.PI), dtype)])]);
  return g.op("Mul", [g.op("Mul", [x, g.scalar(0.5, dtype)]), g.op("Add", [t, g.scalar(1, dtype)])]);
}

/** `transformer.` for GPT2LMHeadModel checkpoints, `""` for ones saved from GPT2Model (openai-community/gpt2). */
function prefixOf(names: ReadonlySet<string>): string {
  return names.has("wte.weight") ? "" : "transformer.";
}

/**
 * The GPT-2 decoder stack: token plus position embeddings through every block, up to (not including) the
 * final LayerNorm. `kv` sees each block's keys and values (split into heads) and gives those attention
 * reads (the cache hook).
 *
 * ```text
 * h ← wte[ids] + wpe[pos];  h ← h + c_proj(attn(q, kv(k, v)));  h ← h + c_proj(gelu_new(c_fc(ln₂h)))
 * ```
 *
 * @example
 * ```ts
 * const hidden = gpt2Decoder(g, config, (name) => name, inputs, names);
 * ```
 */
function gpt2Decoder(
  g: GraphBuilder,
  config: Gpt2Config,
  weight: (name: string) => string,
  inputs: ForwardInputs,
  names: ReadonlySet<string>,
  kv?: KeyValueHook,
): string {
  const { hiddenSize: e, numHeads: heads, headDim: d } = config;
  const p = prefixOf(names);
  const w = (name: string) => weight(p + name);
  const tokens = g.op("Gather", [w("wte.weight"), inputs.inputIds], { axis: 0 });
  let h = g.op("Add", [tokens, g.op("Gather", [w("wpe.weight"), inputs.positionIds], { axis: 0 })]);
  for (let l = 0; l < config.numLayers; l++) {
    const b = `h.${l}.`;
    h = g.scoped(`h.${l}`, () => {
      const dense = (x: string, name: string) => conv1d(g, x, w(`${b}${name}.weight`), w(`${b}${name}.bias`));
      const qkv = dense(layerNorm(g, config, w, h, `${b}ln_1`), "attn.c_attn");
      const [q, k, v] = g.opN("Split", [qkv, g.int64s([e, e, e])], 3, { axis: -1 });
      const [qh, kh, vh] = [q!, k!, v!].map((x) => splitHeads(g, x, heads, d)) as [string, string, string];
      const { key, value } = kv === undefined ? { key: kh, value: vh } : kv(l, kh, vh);
      const attn = attention(g, qh, key, value, inputs.attentionBias, {
        heads,
        kvHeads: heads,
        headDim: d,
        dtype: inputs.dtype,
      });
      const h1 = g.op("Add", [h, dense(attn, "attn.c_proj")]);
      const act = geluNew(g, dense(layerNorm(g, config, w, h1, `${b}ln_2`), "mlp.c_fc"), inputs.dtype);
      return g.op("Add", [h1, dense(act, "mlp.c_proj")]);
    });
  }
  return h;
}

/**
 * The final LayerNorm and the LM head, tied to `wte`, on hidden states.
 *
 * ```text
 * logits = ln_f(h) · wteᵀ
 * ```
 *
 * @example
 * ```ts
 * const logits = gpt2Head(g, config, (name) => name, names, hidden);
 * ```
 */
function gpt2Head(
  g: GraphBuilder,
  config: Gpt2Config,
  weight: (name: string) => string,
  names: ReadonlySet<string>,
  hidden: string,
): string {
  const { hidden: final, head } = gpt2Final(g, config, weight, names, hidden);
  return linear(g, final, head);
}

/** The final LayerNorm (`ln_f`) of the decoder's output and the LM head's weight (the tied `wte`). */
function gpt2Final(
  g: GraphBuilder,
  config: Gpt2Config,
  weight: (name: string) => string,
  names: ReadonlySet<string>,
  hidden: string,
): { hidden: string; head: string } {
  const p = prefixOf(names);
  const w = (name: string) => weight(p + name);
  return { hidden: layerNorm(g, config, w, hidden, "ln_f"), head: w("wte.weight") };
}

/** LayerNormalization with the `<name>.weight` and `<name>.bias` of a GPT-2 checkpoint. */
function layerNorm(
  g: GraphBuilder,
  config: Gpt2Config,
  w: (name: string) => string,
  x: string,
  name: string,
): string {
  return g.op("LayerNormalization", [x, w(`${name}.weight`), w(`${name}.bias`)], {
    axis: -1,
    epsilon: config.layerNormEps,
  });
}

/**
 * GPT-2: learned positions, pre-LayerNorm blocks, fused q/k/v in a Conv1D ([in, out] weights),
 * GELU (tanh approximation), LM head tied to `wte`. With a key/value cache: learned positions of the new
 * tokens, keys and values appended to the past ones.
 *
 * ```text
 * h ← wte[ids] + wpe[pos];  h ← h + c_proj(attn(c_attn(ln₁h)));  h ← h + c_proj(gelu_new(c_fc(ln₂h)))
 * cached: k_l ← concat(past_k_l, k(ln₁h));  v_l ← concat(past_v_l, v(ln₁h));  attention over all P + S keys
 * ```
 *
 * @example
 * ```ts
 * const logits = gpt2.buildLogits(g, config, (name) => name, inputs);
 * ```
 */
export const gpt2: ModelFamily<Gpt2Config> = {
  family: "gpt2",

  weightSpecs(config: Gpt2Config, names: ReadonlySet<string>): WeightSpec[] {
    const p = prefixOf(names);
    const { hiddenSize: e, intermediateSize: ff } = config;
    const specs: WeightSpec[] = [
      { name: `${p}wte.weight`, shape: [config.vocabSize, e], init: "normal" },
      { name: `${p}wpe.weight`, shape: [config.maxPositions, e], init: "normal" },
    ];
    const norm = (name: string) => {
      specs.push({ name: `${name}.weight`, shape: [e], init: "ones" });
      specs.push({ name: `${name}.bias`, shape: [e], init: "zeros" });
    };
    const dense = (name: string, inp: number, out: number) => {
      specs.push({ name: `${name}.weight`, shape: [inp, out], init: "normal" });
      specs.push({ name: `${name}.bias`, shape: [out], init: "zeros" });
    };
    for (let l = 0; l < config.numLayers; l++) {
      const h = `${p}h.${l}.`;
      norm(`${h}ln_1`);
      dense(`${h}attn.c_attn`, e, 3 * e);
      dense(`${h}attn.c_proj`, e, e);
      norm(`${h}ln_2`);
      dense(`${h}mlp.c_fc`, e, ff);
      dense(`${h}mlp.c_proj`, ff, e);
    }
    norm(`${p}ln_f`);
    return specs;
  },

  buildLogits(g, config, weight, inputs: ForwardInputs, names): string {
    return gpt2Head(g, config, weight, names, gpt2Decoder(g, config, weight, inputs, names));
  },

  buildHidden(g, config, weight, inputs: ForwardInputs, names) {
    return gpt2Final(g, config, weight, names, gpt2Decoder(g, config, weight, inputs, names));
  },

  cached: {
    cacheDims(config) {
      return { layers: config.numLayers, kvHeads: config.numHeads, headDim: config.headDim };
    },

    build(g, config, weight, inputs, names) {
      const present: { key: string; value: string }[] = [];
      const hidden = gpt2Decoder(g, config, weight, inputs, names, appendPast(g, inputs.past, present));
      const last = inputs.lastOnly ? lastPosition(g, hidden) : hidden;
      return { logits: gpt2Head(g, config, weight, names, last), present };
    },
  },

  tinyConfig(dims: TinyDims): Record<string, unknown> {
    return {
      architectures: ["GPT2LMHeadModel"],
      model_type: "gpt2",
      vocab_size: dims.vocabSize,
      n_embd: dims.hiddenSize,
      n_layer: dims.numLayers,
      n_head: dims.numHeads,
      n_inner: dims.intermediateSize,
      n_positions: dims.maxPositions,
      activation_function: "gelu_new",
      layer_norm_epsilon: 1e-5,
      resid_pdrop: 0,
      embd_pdrop: 0,
      attn_pdrop: 0,
      scale_attn_weights: true,
      tie_word_embeddings: true,
      bos_token_id: dims.bosTokenId,
      eos_token_id: dims.eosTokenId,
      pad_token_id: dims.padTokenId,
      torch_dtype: "float32",
    };
  },
};
