/**
 * Llama 3 RoPE frequency scaling (`rope_scaling.rope_type = "llama3"`): low frequencies are divided by
 * `factor`, high ones kept, the band between interpolated.
 *
 * ```text
 * λ_i = 2π / θ_i;  λ_lo = L / lowFreqFactor;  λ_hi = L / highFreqFactor   (L = originalMaxPositions)
 * θ_i' = θ_i / factor                         if λ_i > λ_lo
 *      = θ_i                                  if λ_i < λ_hi
 *      = (1 − s) θ_i / factor + s θ_i,  s = (L/λ_i − lowFreqFactor) / (highFreqFactor − lowFreqFactor)
 * ```
 */
export interface Llama3RopeScaling {
  readonly type: "llama3";
  readonly factor: number;
  readonly lowFreqFactor: number;
  readonly highFreqFactor: number;
  readonly originalMaxPositions: number;
}

/** Linear RoPE scaling (position interpolation): positions are divided by `factor`. */
export interface LinearRopeScaling {
  readonly type: "linear";
  readonly factor: number;
}

/** The RoPE scalings the Llama builder supports. */
export type RopeScaling = Llama3RopeScaling | LinearRopeScaling;

/**
 * A Llama-family architecture (Llama 2/3, Mistral, Qwen2, SmolLM), normalised from `config.json`.
 *
 * @example
 * ```ts
 * const c = parseModelConfig(JSON.parse(text));
 * if (c.family === "llama") console.log(c.numKeyValueHeads);
 * ```
 */
export interface LlamaConfig {
  readonly family: "llama";
  /** The original `model_type` ("llama", "mistral", "qwen2"). */
  readonly modelType: string;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  /** Grouped-query attention: each key/value head serves numHeads / numKeyValueHeads query heads. */
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  readonly ropeScaling: RopeScaling | null;
  readonly maxPositions: number;
  readonly tieWordEmbeddings: boolean;
  /** Bias on q/k/v projections (Qwen2, or `attention_bias`). */
  readonly qkvBias: boolean;
  /** Bias on the output projection (`attention_bias` of Llama; Qwen2 has none). */
  readonly outputBias: boolean;
  /** Bias on gate/up/down projections (`mlp_bias`). */
  readonly mlpBias: boolean;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
}

/**
 * A GPT-2 architecture, normalised from `config.json`. The activation is always `gelu_new`
 * (GELU with the tanh approximation).
 */
export interface Gpt2Config {
  readonly family: "gpt2";
  readonly modelType: "gpt2";
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly layerNormEps: number;
  readonly maxPositions: number;
  readonly tieWordEmbeddings: true;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
}

/** Any architecture the model builders support. */
export type ModelConfig = LlamaConfig | Gpt2Config;

/** The model families, i.e. the values of {@link ModelConfig}'s `family`. */
export type ModelFamilyName = ModelConfig["family"];
