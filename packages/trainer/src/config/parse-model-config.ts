import { UnsupportedConfigError } from "./config-error.js";
import type { Gpt2Config, LlamaConfig, ModelConfig, RopeScaling } from "./model-config.js";

/** `model_type` values and the family whose builder handles them. SmolLM checkpoints say "llama". */
export const MODEL_TYPES = {
  llama: "llama",
  mistral: "llama",
  qwen2: "llama",
  gpt2: "gpt2",
} as const satisfies Record<string, ModelConfig["family"]>;

type Json = Record<string, unknown>;

function int(raw: Json, field: string, fallback?: number): number {
  const v = raw[field] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new UnsupportedConfigError(field, v ?? null, "expected a positive integer");
  }
  return v;
}

function positive(raw: Json, field: string, fallback: number): number {
  const v = raw[field] ?? fallback;
  if (typeof v !== "number" || !(v > 0))
    throw new UnsupportedConfigError(field, v, "expected a positive number");
  return v;
}

function bool(raw: Json, field: string, fallback: boolean): boolean {
  const v = raw[field] ?? fallback;
  if (typeof v !== "boolean") throw new UnsupportedConfigError(field, v, "expected true or false");
  return v;
}

function tokenId(raw: Json, field: string): number | null {
  const v = raw[field];
  if (Array.isArray(v)) return typeof v[0] === "number" ? v[0] : null;
  return typeof v === "number" ? v : null;
}

function parseRopeScaling(raw: unknown, field: string): RopeScaling | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== "object") throw new UnsupportedConfigError(field, raw, "expected an object or null");
  const r = raw as Json;
  const type = r.rope_type ?? r.type ?? "default";
  if (type === "default") return null;
  if (type === "linear") return { type, factor: positive(r, "factor", 1) };
  if (type === "llama3") {
    return {
      type,
      factor: positive(r, "factor", 8),
      lowFreqFactor: positive(r, "low_freq_factor", 1),
      highFreqFactor: positive(r, "high_freq_factor", 4),
      originalMaxPositions: int(r, "original_max_position_embeddings", 8192),
    };
  }
  throw new UnsupportedConfigError(`${field}.rope_type`, type, "supported: default, linear, llama3");
}

function parseLlama(raw: Json, modelType: string): LlamaConfig {
  const hiddenAct = raw.hidden_act ?? "silu";
  if (hiddenAct !== "silu")
    throw new UnsupportedConfigError("hidden_act", hiddenAct, "the Llama family needs silu");
  const numHeads = int(raw, "num_attention_heads");
  const numKeyValueHeads = int(raw, "num_key_value_heads", numHeads);
  if (numHeads % numKeyValueHeads !== 0) {
    throw new UnsupportedConfigError(
      "num_key_value_heads",
      numKeyValueHeads,
      `must divide num_attention_heads (${numHeads})`,
    );
  }
  const hiddenSize = int(raw, "hidden_size");
  const headDim = raw.head_dim == null ? hiddenSize / numHeads : int(raw, "head_dim");
  if (!Number.isInteger(headDim)) {
    throw new UnsupportedConfigError(
      "hidden_size",
      hiddenSize,
      `not divisible by num_attention_heads (${numHeads})`,
    );
  }
  // transformers v5 moves rope_theta and rope_scaling into rope_parameters.
  const ropeParameters = raw.rope_parameters as Json | undefined;
  const ropeTheta = positive(ropeParameters ?? raw, "rope_theta", 10000);
  const ropeScaling = ropeParameters
    ? parseRopeScaling(ropeParameters, "rope_parameters")
    : parseRopeScaling(raw.rope_scaling, "rope_scaling");
  let maxPositions = int(raw, "max_position_embeddings", 2048);
  // Sliding-window attention equals full attention inside the window, so we cap the context there.
  const slidingWindow = raw.sliding_window;
  const slidingUsed = modelType === "qwen2" ? raw.use_sliding_window === true : slidingWindow != null;
  if (slidingUsed) maxPositions = Math.min(maxPositions, int(raw, "sliding_window"));
  const attentionBias = bool(raw, "attention_bias", false);
  return {
    family: "llama",
    modelType,
    vocabSize: int(raw, "vocab_size"),
    hiddenSize,
    intermediateSize: int(raw, "intermediate_size"),
    numLayers: int(raw, "num_hidden_layers"),
    numHeads,
    numKeyValueHeads,
    headDim,
    rmsNormEps: positive(raw, "rms_norm_eps", 1e-6),
    ropeTheta,
    ropeScaling,
    maxPositions,
    tieWordEmbeddings: bool(raw, "tie_word_embeddings", false),
    qkvBias: modelType === "qwen2" || attentionBias,
    outputBias: modelType !== "qwen2" && attentionBias,
    mlpBias: bool(raw, "mlp_bias", false),
    bosTokenId: tokenId(raw, "bos_token_id"),
    eosTokenId: tokenId(raw, "eos_token_id"),
  };
}

function parseGpt2(raw: Json): Gpt2Config {
  const act = raw.activation_function ?? "gelu_new";
  if (act !== "gelu_new" && act !== "gelu_pytorch_tanh") {
    throw new UnsupportedConfigError("activation_function", act, "supported: gelu_new, gelu_pytorch_tanh");
  }
  if (raw.scale_attn_by_inverse_layer_idx === true) {
    throw new UnsupportedConfigError("scale_attn_by_inverse_layer_idx", true, "only false is supported");
  }
  if (raw.scale_attn_weights === false) {
    throw new UnsupportedConfigError("scale_attn_weights", false, "only true is supported");
  }
  if (raw.tie_word_embeddings === false) {
    throw new UnsupportedConfigError("tie_word_embeddings", false, "GPT-2 always ties lm_head to wte");
  }
  const hiddenSize = int(raw, "n_embd");
  const numHeads = int(raw, "n_head");
  if (hiddenSize % numHeads !== 0) {
    throw new UnsupportedConfigError("n_embd", hiddenSize, `not divisible by n_head (${numHeads})`);
  }
  return {
    family: "gpt2",
    modelType: "gpt2",
    vocabSize: int(raw, "vocab_size"),
    hiddenSize,
    intermediateSize: raw.n_inner == null ? 4 * hiddenSize : int(raw, "n_inner"),
    numLayers: int(raw, "n_layer"),
    numHeads,
    headDim: hiddenSize / numHeads,
    layerNormEps: positive(raw, "layer_norm_epsilon", 1e-5),
    maxPositions: int(raw, "n_positions", 1024),
    tieWordEmbeddings: true,
    bosTokenId: tokenId(raw, "bos_token_id"),
    eosTokenId: tokenId(raw, "eos_token_id"),
  };
}

/**
 * Parse a Hugging Face `config.json` object into a {@link ModelConfig}.
 *
 * Supports `model_type` llama (also SmolLM), mistral, qwen2 (q/k/v bias) and gpt2, with llama3 or linear
 * `rope_scaling`, grouped-query attention, `head_dim`, tied embeddings. Defaults follow transformers.
 *
 * @throws UnsupportedConfigError naming the field and value (unknown `model_type`, `hidden_act`, rope type, …)
 * @example
 * ```ts
 * const config = parseModelConfig(JSON.parse(await readFile("config.json", "utf8")));
 * ```
 */
export function parseModelConfig(raw: unknown): ModelConfig {
  if (typeof raw !== "object" || raw === null) {
    throw new UnsupportedConfigError("config", raw, "config.json must hold a JSON object");
  }
  const json = raw as Json;
  const modelType = json.model_type;
  // Own keys only: "constructor" or "__proto__" must not resolve through the prototype chain.
  if (typeof modelType !== "string" || !Object.hasOwn(MODEL_TYPES, modelType)) {
    throw new UnsupportedConfigError(
      "model_type",
      modelType ?? null,
      `supported: ${Object.keys(MODEL_TYPES).join(", ")}`,
    );
  }
  const family = MODEL_TYPES[modelType as keyof typeof MODEL_TYPES];
  return family === "gpt2" ? parseGpt2(json) : parseLlama(json, modelType);
}
