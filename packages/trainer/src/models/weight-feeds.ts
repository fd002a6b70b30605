import { Tensor as OrtTensor } from "onnxruntime-node";
import type { FloatType } from "./model-family.js";
import type { PretrainedModel } from "./pretrained-model.js";

/**
 * Feeds for a graph built with every weight as an input (`trainable: "all"`): each weight by its HF name,
 * float32 over the model's own arrays, or a float64 copy.
 *
 * @example
 * ```ts
 * const out = await session.run({ ...packedFeeds(batch), ...weightFeeds(model) });
 * ```
 */
export function weightFeeds(model: PretrainedModel, dtype: FloatType = "float32"): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = {};
  for (const [name, t] of model.weights) {
    const data = t.data as Float32Array;
    feeds[name] = new OrtTensor(dtype, dtype === "float64" ? Float64Array.from(data) : data, [...t.shape]);
  }
  return feeds;
}
