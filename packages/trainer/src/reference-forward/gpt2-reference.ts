import type { Gpt2Config } from "../config/model-config.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { add, causalAttention, conv1d, linear, logSoftmaxRows, type Mat, weight } from "./reference-math.js";

function layerNorm(x: Mat, w: Float64Array, b: Float64Array, eps: number): Mat {
  const data = new Float64Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    const row = x.data.subarray(r * x.cols, (r + 1) * x.cols);
    const mean = row.reduce((s, v) => s + v, 0) / x.cols;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / x.cols;
    for (let c = 0; c < x.cols; c++)
      data[r * x.cols + c] = ((row[c]! - mean) / Math.sqrt(variance + eps)) * w[c]! + b[c]!;
  }
  return { rows: x.rows, cols: x.cols, data };
}

/** GELU, tanh approximation (HF `gelu_new`): ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

function columns(x: Mat, from: number, count: number): Mat {
  const data = new Float64Array(x.rows * count);
  for (let r = 0; r < x.rows; r++)
    data.set(x.data.subarray(r * x.cols + from, r * x.cols + from + count), r * count);
  return { rows: x.rows, cols: count, data };
}

/**
 * Plain float64 forward of GPT-2 over one unpadded sequence, written without ONNX as a test oracle:
 * token + learned position embeddings, per layer `h += c_proj(attn(split(c_attn(ln_1 h))))` and
 * `h += c_proj(gelu_new(c_fc(ln_2 h)))` (Conv1D weights [in, out]), `ln_f`, tied LM head; returns
 * log-softmax rows. `prefix` is `"transformer."` or `""` (checkpoints saved from GPT2Model).
 *
 * @example
 * ```ts
 * const logp = gpt2ReferenceLogSoftmax(config, weights, [3, 4, 5]);
 * ```
 */
export function gpt2ReferenceLogSoftmax(
  config: Gpt2Config,
  weights: WeightMap,
  ids: readonly number[],
  prefix = weights.has("wte.weight") ? "" : "transformer.",
): Mat {
  const { hiddenSize: e, numHeads, headDim: d, intermediateSize: ff, layerNormEps: eps } = config;
  const w = (n: string) => weight(weights, prefix + n);
  const wte = w("wte.weight");
  const wpe = w("wpe.weight");
  let h: Mat = { rows: ids.length, cols: e, data: new Float64Array(ids.length * e) };
  ids.forEach((id, t) => {
    for (let c = 0; c < e; c++) h.data[t * e + c] = wte[id * e + c]! + wpe[t * e + c]!;
  });
  for (let l = 0; l < config.numLayers; l++) {
    const p = `h.${l}.`;
    const x = layerNorm(h, w(`${p}ln_1.weight`), w(`${p}ln_1.bias`), eps);
    const qkv = conv1d(x, w(`${p}attn.c_attn.weight`), 3 * e, w(`${p}attn.c_attn.bias`));
    const attn = causalAttention(
      columns(qkv, 0, e),
      columns(qkv, e, e),
      columns(qkv, 2 * e, e),
      numHeads,
      numHeads,
      d,
    );
    h = add(h, conv1d(attn, w(`${p}attn.c_proj.weight`), e, w(`${p}attn.c_proj.bias`)));
    const y = layerNorm(h, w(`${p}ln_2.weight`), w(`${p}ln_2.bias`), eps);
    const fc = conv1d(y, w(`${p}mlp.c_fc.weight`), ff, w(`${p}mlp.c_fc.bias`));
    const act: Mat = { rows: fc.rows, cols: ff, data: fc.data.map(geluNew) };
    h = add(h, conv1d(act, w(`${p}mlp.c_proj.weight`), e, w(`${p}mlp.c_proj.bias`)));
  }
  const final = layerNorm(h, w("ln_f.weight"), w("ln_f.bias"), eps);
  return logSoftmaxRows(linear(final, wte, config.vocabSize));
}
