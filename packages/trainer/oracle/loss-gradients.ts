import { InferenceSession } from "onnxruntime-node";
import { addGradients } from "../src/autodiff/gradient.js";
import { emitCompletionLogProbs } from "../src/logprobs/build-log-prob-graph.js";
import { type PromptCompletion, packSequences } from "../src/logprobs/pack-sequences.js";
import { packedFeeds } from "../src/logprobs/packed-feeds.js";
import type { FloatType } from "../src/models/model-family.js";
import type { PretrainedModel } from "../src/models/pretrained-model.js";
import { weightFeeds } from "../src/models/weight-feeds.js";
import { GraphBuilder } from "../src/onnx/builder.js";
import { encodeModel } from "../src/onnx/protobuf.js";

/** Per-row completion log-probs and token counts, and dL/dW for every weight tensor (by HF name). */
export interface LossGradients {
  readonly logp: number[];
  readonly tokens: number[];
  readonly grads: Map<string, Float64Array>;
}

/**
 * Our side of the oracle: one onnxruntime session computes logp_b for every row and the gradient of
 * L = Σ_b c_b · logp_b with respect to every weight tensor, in `dtype`, with the weights as initializers
 * (the log-prob graph's form) or as graph inputs (the training graphs' form, with per-sequence products).
 *
 * @example
 * ```ts
 * const { logp, grads } = await lossGradients(model, rows, [0.7, -1.3], "float64");
 * ```
 */
export async function lossGradients(
  model: PretrainedModel,
  rows: readonly PromptCompletion[],
  coefficients: readonly number[],
  dtype: FloatType,
  weights: "initializers" | "inputs" = "initializers",
): Promise<LossGradients> {
  const g = new GraphBuilder();
  const asInputs = weights === "inputs";
  const { logp, tokens } = emitCompletionLogProbs(
    g,
    model,
    asInputs ? { dtype, trainable: "all" } : { dtype },
  );
  const c = g.constant(
    dtype === "float64" ? Float64Array.from(coefficients) : Float32Array.from(coefficients),
    [coefficients.length],
  );
  const loss = g.op("ReduceSum", [g.op("Mul", [logp, c]), g.int64s([0])], { keepdims: 0 });
  const grads = addGradients(g, { loss, wrt: [...model.weights.keys()] });
  for (const name of [logp, tokens, ...grads.values()]) g.output(name);
  // As the library's own sessions: float64 graphs get only the basic optimisations (see LogProbSession).
  const session = await InferenceSession.create(
    encodeModel(g.toModel()),
    dtype === "float64" ? { graphOptimizationLevel: "basic" } : {},
  );
  const packed = packSequences(rows, {
    padId: 0,
    maxLength: model.config.maxPositions,
    vocabSize: model.config.vocabSize,
  });
  const out = await session.run({ ...packedFeeds(packed), ...(asInputs ? weightFeeds(model, dtype) : {}) });
  await session.release();
  const values = (name: string) => Float64Array.from(out[name]!.data as Float32Array | Float64Array);
  return {
    logp: [...values(logp)],
    tokens: [...values(tokens)],
    grads: new Map([...grads].map(([weight, name]) => [weight, values(name)])),
  };
}
