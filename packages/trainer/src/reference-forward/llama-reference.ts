import type { LlamaConfig } from "../config/model-config.js";
import { ropeInverseFrequencies } from "../config/rope-frequencies.js";
import type { WeightMap } from "../safetensors/tensor.js";
import {
  add,
  causalAttention,
  linear,
  logSoftmaxRows,
  type Mat,
  optionalWeight,
  weight,
} from "./reference-math.js";

function rmsNorm(x: Mat, w: Float64Array, eps: number): Mat {
  const data = new Float64Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    let ms = 0;
    for (let c = 0; c < x.cols; c++) ms += x.data[r * x.cols + c]! ** 2;
    const scale = 1 / Math.sqrt(ms / x.cols + eps);
    for (let c = 0; c < x.cols; c++) data[r * x.cols + c] = x.data[r * x.cols + c]! * scale * w[c]!;
  }
  return { rows: x.rows, cols: x.cols, data };
}

/** Rotate each head's halves (HF rotate_half): pairs (j, j + d/2) turn by angle pos·θ_j. */
function rope(x: Mat, heads: number, d: number, invFreq: Float64Array): Mat {
  const data = Float64Array.from(x.data);
  const half = d / 2;
  for (let p = 0; p < x.rows; p++) {
    for (let h = 0; h < heads; h++) {
      const base = p * x.cols + h * d;
      for (let j = 0; j < half; j++) {
        const angle = p * invFreq[j]!;
        const [a, b] = [x.data[base + j]!, x.data[base + j + half]!];
        data[base + j] = a * Math.cos(angle) - b * Math.sin(angle);
        data[base + j + half] = b * Math.cos(angle) + a * Math.sin(angle);
      }
    }
  }
  return { rows: x.rows, cols: x.cols, data };
}

/**
 * Plain float64 forward of a Llama-family model over one unpadded sequence (positions 0…T−1), written
 * without ONNX as a test oracle: embeddings, per layer `h += o(attn(rope(q), rope(k), v))` on
 * RMSNorm'd input and `h += down(silu(gate(x)) ⊙ up(x))`, final RMSNorm, LM head; returns
 * log-softmax over the vocabulary, one row per position.
 *
 * @example
 * ```ts
 * const logp = llamaReferenceLogSoftmax(config, weights, [1, 5, 9]); // rows: 3, cols: vocab
 * ```
 */
export function llamaReferenceLogSoftmax(
  config: LlamaConfig,
  weights: WeightMap,
  ids: readonly number[],
): Mat {
  const { hiddenSize: e, headDim: d, numHeads, numKeyValueHeads: kvHeads, intermediateSize: ff } = config;
  const embed = weight(weights, "model.embed_tokens.weight");
  let h: Mat = { rows: ids.length, cols: e, data: new Float64Array(ids.length * e) };
  ids.forEach((id, t) => {
    h.data.set(embed.subarray(id * e, (id + 1) * e), t * e);
  });
  const invFreq = ropeInverseFrequencies(config);
  for (let l = 0; l < config.numLayers; l++) {
    const p = `model.layers.${l}.`;
    const w = (n: string) => weight(weights, p + n);
    const b = (n: string) => optionalWeight(weights, p + n);
    const x = rmsNorm(h, w("input_layernorm.weight"), config.rmsNormEps);
    const q = rope(
      linear(x, w("self_attn.q_proj.weight"), numHeads * d, b("self_attn.q_proj.bias")),
      numHeads,
      d,
      invFreq,
    );
    const k = rope(
      linear(x, w("self_attn.k_proj.weight"), kvHeads * d, b("self_attn.k_proj.bias")),
      kvHeads,
      d,
      invFreq,
    );
    const v = linear(x, w("self_attn.v_proj.weight"), kvHeads * d, b("self_attn.v_proj.bias"));
    const attn = causalAttention(q, k, v, numHeads, kvHeads, d);
    h = add(h, linear(attn, w("self_attn.o_proj.weight"), e, b("self_attn.o_proj.bias")));
    const y = rmsNorm(h, w("post_attention_layernorm.weight"), config.rmsNormEps);
    const gate = linear(y, w("mlp.gate_proj.weight"), ff, b("mlp.gate_proj.bias"));
    const up = linear(y, w("mlp.up_proj.weight"), ff, b("mlp.up_proj.bias"));
    const act: Mat = {
      rows: y.rows,
      cols: ff,
      data: gate.data.map((g, i) => (g / (1 + Math.exp(-g))) * up.data[i]!),
    };
    h = add(h, linear(act, w("mlp.down_proj.weight"), e, b("mlp.down_proj.bias")));
  }
  const final = rmsNorm(h, weight(weights, "model.norm.weight"), config.rmsNormEps);
  const head = config.tieWordEmbeddings ? embed : weight(weights, "lm_head.weight");
  return logSoftmaxRows(linear(final, head, config.vocabSize));
}
