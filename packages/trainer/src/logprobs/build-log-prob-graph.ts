import { familyOf } from "../models/family-of.js";
import { declareForwardInputs } from "../models/forward-inputs.js";
import { expectedSequenceLength } from "../models/graph-helpers.js";
import { addModelWeights, type WeightOptions } from "../models/model-weights.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { GraphBuilder } from "../onnx/builder.js";
import { GraphBuilder as Builder } from "../onnx/builder.js";
import type { Model } from "../onnx/types.js";
import { emitTargetLogProbs, headChunkCount } from "./chunked-head.js";

/** Names of the log-prob graph's inputs and outputs. */
export const LOG_PROB_IO = {
  inputIds: "input_ids",
  attentionMask: "attention_mask",
  completionMask: "completion_mask",
  logp: "completion_logp",
  tokens: "completion_tokens",
} as const;

/**
 * Emit the per-sequence completion log-prob on top of a model's forward graph in `g`: declares the
 * inputs `input_ids`, `attention_mask`, `completion_mask` ([B, T] int64) and returns the [B] float (`options.dtype`, default float32)
 * values of the summed completion log-prob and the completion token count. Token t ≥ 1 counts when
 * completion_mask[b, t] = attention_mask[b, t] = 1; it is predicted from position t − 1.
 *
 * ```text
 * logp[b]   = Σ_{t≥1} m[b,t] · log_softmax(logits[b, t−1])[ids[b, t]],   m = completion_mask ⊙ attention_mask
 * tokens[b] = Σ_{t≥1} m[b,t]
 * ```
 *
 * @example
 * ```ts
 * const g = new GraphBuilder();
 * const { logp, tokens } = emitCompletionLogProbs(g, model);
 * ```
 */
export function emitCompletionLogProbs(
  g: GraphBuilder,
  model: PretrainedModel,
  options: WeightOptions = {},
): { logp: string; tokens: string } {
  const dtype = options.dtype ?? "float32";
  const { inputIds, attentionMask, forward } = declareForwardInputs(g, dtype);
  const completionMask = g.input(LOG_PROB_IO.completionMask, "int64", ["batch", "seq"]);
  const weight = addModelWeights(g, model, options);
  const names = new Set(model.weights.keys());
  const { hidden, head } = familyOf(model.config).buildHidden(g, model.config, weight, forward, names);
  const chunks = headChunkCount(
    expectedSequenceLength(g) ?? model.config.maxPositions,
    model.config.vocabSize,
  );
  return g.scoped("logprob", () => {
    const [zero, one, end, axis] = [g.int64s([0]), g.int64s([1]), g.int64s([-1]), g.int64s([1])];
    const big = g.int64s([Number.MAX_SAFE_INTEGER]);
    // Logits at 0…T−2 predict the tokens at 1…T−1. The log-softmax and the picks run over all T positions
    // (the ids rotated left by one: the last position picks the first token, a stand-in) and only the
    // [B, T] picks are sliced to 0…T−2: no [B, T − 1, V] copy of the logits, nor its Pad in a backward.
    // The last position's gradient is then 0, so the LM head's weight gradient sums the same rows as when
    // the logits were sliced, in the same order: the same rounding. Long rows over a large vocabulary take
    // the head in chunks of positions (`emitTargetLogProbs`), so the [B, T, V] logits are never whole.
    const [next, first] = [
      g.op("Slice", [inputIds, one, big, axis]),
      g.op("Slice", [inputIds, zero, one, axis]),
    ];
    const rotated = g.op("Concat", [next, first], { axis: 1 });
    // [B, T] like the ids (the builder cannot add up the sliced lengths): the picks then provably share
    // the log-softmax's leading axes, which its fused gradient needs.
    const idsType = g.typeOf(inputIds);
    if (idsType !== undefined) g.setType(rotated, idsType);
    const everyPick = emitTargetLogProbs(g, hidden, head, rotated, chunks);
    const picked = g.op("Slice", [everyPick, zero, end, axis]);
    const mask = g.op("Mul", [
      g.cast(g.op("Slice", [completionMask, one, big, axis]), dtype),
      g.cast(g.op("Slice", [attentionMask, one, big, axis]), dtype),
    ]);
    const logp = g.op("ReduceSum", [g.op("Mul", [picked, mask]), g.int64s([1])], { keepdims: 0 });
    const tokens = g.op("ReduceSum", [mask, g.int64s([1])], { keepdims: 0 });
    return { logp, tokens };
  });
}

/**
 * The log-prob model: inputs `input_ids`, `attention_mask`, `completion_mask` ([B, T] int64), outputs
 * `completion_logp` and `completion_tokens` ([B] float32, or float64 with `options.dtype`). Weights are initializers named like the
 * checkpoint tensors. It never outputs logits.
 *
 * @example
 * ```ts
 * const onnx = buildLogProbModel(await loadPretrainedModel("models/tiny-llama"));
 * const session = await InferenceSession.create(encodeModel(onnx));
 * ```
 */
export function buildLogProbModel(model: PretrainedModel, options: WeightOptions = {}): Model {
  const g = new Builder({ name: `${model.config.family}_logprobs` });
  const { logp, tokens } = emitCompletionLogProbs(g, model, options);
  g.output(g.op("Identity", [logp], {}, { outputs: [LOG_PROB_IO.logp] }));
  g.output(g.op("Identity", [tokens], {}, { outputs: [LOG_PROB_IO.tokens] }));
  return g.toModel();
}
