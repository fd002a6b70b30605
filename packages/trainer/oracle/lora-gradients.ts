import { InferenceSession, Tensor } from "onnxruntime-node";
import { addGradients } from "../src/autodiff/gradient.js";
import { emitCompletionLogProbs } from "../src/logprobs/build-log-prob-graph.js";
import { type PromptCompletion, packSequences } from "../src/logprobs/pack-sequences.js";
import { packedFeeds } from "../src/logprobs/packed-feeds.js";
import type { LoraConfig } from "../src/lora/lora-config.js";
import { LORA_SCALE_INPUT } from "../src/lora/lora-graph.js";
import type { PretrainedModel } from "../src/models/pretrained-model.js";
import { GraphBuilder } from "../src/onnx/builder.js";
import { encodeModel } from "../src/onnx/protobuf.js";
import type { WeightMap } from "../src/safetensors/tensor.js";

/**
 * Our side of the PEFT gradient oracle, through the LoRA graph (adapters as graph inputs on frozen base
 * weights, `lora_scale` 1): per-row completion log-probs and dL/dA, dL/dB of every adapter tensor for
 * L = Σ_b c_b · logp_b, in float64.
 *
 * @example
 * ```ts
 * const { logp, grads } = await loraGradients(model, config, adapters, rows, [0.7, -1.3, 0.45]);
 * ```
 */
export async function loraGradients(
  model: PretrainedModel,
  config: LoraConfig,
  adapters: WeightMap,
  rows: readonly PromptCompletion[],
  coefficients: readonly number[],
): Promise<{ logp: number[]; grads: Map<string, Float64Array> }> {
  const g = new GraphBuilder();
  const { logp } = emitCompletionLogProbs(g, model, { dtype: "float64", lora: config });
  const c = g.constant(Float64Array.from(coefficients), [coefficients.length]);
  const loss = g.op("ReduceSum", [g.op("Mul", [logp, c]), g.int64s([0])], { keepdims: 0 });
  const grads = addGradients(g, { loss, wrt: [...adapters.keys()] });
  for (const name of [logp, ...grads.values()]) g.output(name);
  const session = await InferenceSession.create(encodeModel(g.toModel()), {
    graphOptimizationLevel: "basic",
  });
  const packed = packSequences(rows, {
    padId: 0,
    maxLength: model.config.maxPositions,
    vocabSize: model.config.vocabSize,
  });
  const feeds: Record<string, Tensor> = {
    ...packedFeeds(packed),
    [LORA_SCALE_INPUT]: new Tensor("float64", Float64Array.of(1), []),
  };
  for (const [name, t] of adapters) {
    feeds[name] = new Tensor("float64", Float64Array.from(t.data as Float64Array), [...t.shape]);
  }
  const out = await session.run(feeds);
  await session.release();
  const values = (name: string) => Float64Array.from(out[name]!.data as Float64Array);
  return {
    logp: [...values(logp)],
    grads: new Map([...grads].map(([tensor, name]) => [tensor, values(name)])),
  };
}
