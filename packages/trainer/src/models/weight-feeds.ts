import { Tensor as OrtTensor } from "onnxruntime-node";
import type { FloatType } from "./model-family.js";
import { asFloatArray } from "./model-weights.js";
import type { PretrainedModel } from "./pretrained-model.js";

/**
 * Feeds for a graph built with every weight as an input (`trainable: "all"`): each weight by its HF name,
 * over the model's own arrays in their precision, or converted copies.
 *
 * @example
 * ```ts
 * const out = await session.run({ ...packedFeeds(batch), ...weightFeeds(model) });
 * ```
 */
export function weightFeeds(model: PretrainedModel, dtype: FloatType = "float32"): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = {};
  for (const [name, t] of model.weights) {
    feeds[name] = new OrtTensor(dtype, asFloatArray(t.data as Float32Array | Float64Array, dtype), [
      ...t.shape,
    ]);
  }
  return feeds;
}
