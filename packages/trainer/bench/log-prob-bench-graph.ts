import type { Tensor as OrtTensor } from "onnxruntime-node";
import { addGradients } from "../src/autodiff/gradient.js";
import { emitCompletionLogProbs, GraphBuilder } from "../src/graph.js";
import { type PretrainedModel, packSequences } from "../src/index.js";
import { packedFeeds } from "../src/logprobs/packed-feeds.js";
import { weightFeeds } from "../src/models/weight-feeds.js";

/**
 * The model shape of the log-prob benchmarks (the 10–20M parameters: 6 layers, hidden 384) for
 * sequences of `seq` tokens.
 *
 * @example
 * ```ts
 * const model = await createTinyModel({ family: "llama", seed: 0, ...benchDims(512) });
 * ```
 */
export function benchDims(seq: number) {
  return {
    numLayers: 6,
    hiddenSize: 384,
    numHeads: 6,
    numKeyValueHeads: 6,
    intermediateSize: 1536,
    maxPositions: seq,
  };
}

/**
 * The benchmarks' log-prob graph of `model` and its feeds for a batch of `batch` identical rows of `seq`
 * tokens (half prompt, half completion). `forward`: weights as initializers. `forward-input`: weights as
 * inputs, as a training step has them. `backward`: weights as inputs, plus the gradient of Σ log-probs with
 * respect to every weight as outputs. `backward-initializers`: the same gradients with the weights as
 * initializers (as `forward` has them; onnxruntime then pre-packs them for its products).
 *
 * @example
 * ```ts
 * const { graph, feeds } = logProbBenchGraph(model, "backward", 8, 512);
 * ```
 */
export function logProbBenchGraph(
  model: PretrainedModel,
  mode: "forward" | "forward-input" | "backward" | "backward-initializers",
  batch: number,
  seq: number,
): { graph: GraphBuilder; feeds: Record<string, OrtTensor> } {
  const g = new GraphBuilder();
  const asInputs = mode === "forward-input" || mode === "backward";
  const { logp, tokens } = emitCompletionLogProbs(g, model, asInputs ? { trainable: "all" } : {});
  g.output(logp);
  g.output(tokens);
  const feeds: Record<string, OrtTensor> = {};
  if (mode === "backward" || mode === "backward-initializers") {
    const loss = g.op("ReduceSum", [logp, g.int64s([0])], { keepdims: 0 });
    g.output(loss);
    for (const grad of addGradients(g, { loss, wrt: [...model.weights.keys()] }).values()) g.output(grad);
  }
  if (asInputs) Object.assign(feeds, weightFeeds(model));
  const ids = Array.from({ length: seq }, (_, i) => 3 + ((i * 7) % 256));
  const row = { promptIds: ids.slice(0, seq / 2), completionIds: ids.slice(seq / 2) };
  const packed = packSequences(
    Array.from({ length: batch }, () => row),
    { padId: 0, maxLength: seq, vocabSize: model.config.vocabSize },
  );
  return { graph: g, feeds: { ...feeds, ...packedFeeds(packed) } };
}
