import { describe, expect, it } from "vitest";
import { UnsupportedConfigError } from "./config-error.js";
import { parseModelConfig } from "./parse-model-config.js";
import { ropeInverseFrequencies } from "./rope-frequencies.js";

const llama31 = {
  model_type: "llama",
  vocab_size: 128256,
  hidden_size: 4096,
  intermediate_size: 14336,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-5,
  rope_theta: 500000,
  max_position_embeddings: 131072,
  rope_scaling: {
    factor: 8,
    low_freq_factor: 1,
    high_freq_factor: 4,
    original_max_position_embeddings: 8192,
    rope_type: "llama3",
  },
  tie_word_embeddings: false,
  hidden_act: "silu",
  bos_token_id: 128000,
  eos_token_id: [128001, 128008],
};

describe("parseModelConfig", () => {
  it("reads a Llama 3.1 config with GQA and llama3 rope scaling", () => {
    const c = parseModelConfig(llama31);
    expect(c).toMatchObject({
      family: "llama",
      numKeyValueHeads: 8,
      headDim: 128,
      rmsNormEps: 1e-5,
      ropeTheta: 500000,
      tieWordEmbeddings: false,
      qkvBias: false,
      eosTokenId: 128001,
      ropeScaling: { type: "llama3", factor: 8, originalMaxPositions: 8192 },
    });
  });
  it("gives Qwen2 q/k/v bias but no output bias, and caps Mistral's context at its window", () => {
    const qwen = parseModelConfig({
      ...llama31,
      model_type: "qwen2",
      rope_scaling: null,
      use_sliding_window: false,
    });
    expect(qwen).toMatchObject({ qkvBias: true, outputBias: false, ropeScaling: null, maxPositions: 131072 });
    const mistral = parseModelConfig({
      ...llama31,
      model_type: "mistral",
      rope_scaling: null,
      sliding_window: 4096,
    });
    expect(mistral).toMatchObject({ maxPositions: 4096, qkvBias: false });
    const smol = parseModelConfig({
      ...llama31,
      rope_scaling: null,
      head_dim: 64,
      tie_word_embeddings: true,
    });
    expect(smol).toMatchObject({ headDim: 64, tieWordEmbeddings: true });
  });
  it("reads transformers v5 rope_parameters and linear scaling", () => {
    const { rope_theta: _, rope_scaling: __, ...rest } = llama31;
    const v5 = parseModelConfig({
      ...rest,
      rope_parameters: { rope_type: "linear", rope_theta: 1000, factor: 2 },
    });
    expect(v5).toMatchObject({ ropeTheta: 1000, ropeScaling: { type: "linear", factor: 2 } });
    if (v5.family !== "llama") throw new Error("expected llama");
    expect(ropeInverseFrequencies(v5)[1]).toBeCloseTo(1000 ** (-2 / 128) / 2, 15);
  });
  it("reads GPT-2 with its defaults", () => {
    const c = parseModelConfig({
      model_type: "gpt2",
      vocab_size: 50257,
      n_embd: 768,
      n_layer: 12,
      n_head: 12,
    });
    expect(c).toMatchObject({
      family: "gpt2",
      intermediateSize: 3072,
      headDim: 64,
      layerNormEps: 1e-5,
      maxPositions: 1024,
    });
  });
  it("names what it does not support", () => {
    expect(() => parseModelConfig({ ...llama31, model_type: "mamba" })).toThrow(
      /unsupported model_type = "mamba"; supported: llama, mistral, qwen2, gpt2/,
    );
    for (const inherited of ["constructor", "__proto__", "toString"]) {
      expect(() => parseModelConfig({ ...llama31, model_type: inherited })).toThrow(/unsupported model_type/);
    }
    expect(() => parseModelConfig({ ...llama31, hidden_act: "gelu" })).toThrow(/hidden_act = "gelu"/);
    expect(() => parseModelConfig({ ...llama31, rope_scaling: { rope_type: "yarn", factor: 4 } })).toThrow(
      /rope_scaling.rope_type = "yarn"/,
    );
    expect(() => parseModelConfig({ ...llama31, num_key_value_heads: 5 })).toThrow(UnsupportedConfigError);
    expect(() => parseModelConfig({ ...llama31, vocab_size: -1 })).toThrow(/vocab_size = -1/);
    const gpt2 = { model_type: "gpt2", vocab_size: 10, n_embd: 8, n_layer: 1, n_head: 2 };
    expect(() => parseModelConfig({ ...gpt2, activation_function: "relu" })).toThrow(/activation_function/);
    expect(() => parseModelConfig({ ...gpt2, scale_attn_by_inverse_layer_idx: true })).toThrow(
      /scale_attn_by_inverse_layer_idx/,
    );
    try {
      parseModelConfig({ ...llama31, model_type: "bert" });
    } catch (e) {
      expect(e).toMatchObject({ code: "UNSUPPORTED_CONFIG", field: "model_type", value: "bert" });
    }
  });
});

describe("ropeInverseFrequencies", () => {
  it("applies the llama3 scaling in its three bands", () => {
    const c = parseModelConfig(llama31);
    if (c.family !== "llama") throw new Error("expected llama");
    const f = ropeInverseFrequencies(c);
    const plain = (i: number) => 500000 ** (-(2 * i) / 128);
    expect(f.length).toBe(64);
    expect(f[0]).toBe(1); // wavelength 2π < 2048: kept
    expect(f[63]).toBeCloseTo(plain(63) / 8, 15); // wavelength > 8192: divided by 8
    // Some middle index is interpolated strictly between θ/8 and θ.
    const i = [...f.keys()].find((k) => {
      const w = (2 * Math.PI) / plain(k);
      return w > 2048 && w < 8192;
    })!;
    const w = (2 * Math.PI) / plain(i);
    const s = (8192 / w - 1) / 3;
    expect(f[i]).toBeCloseTo((1 - s) * (plain(i) / 8) + s * plain(i), 15);
    expect(f[i]).toBeLessThan(plain(i));
    expect(f[i]).toBeGreaterThan(plain(i) / 8);
  });
});
