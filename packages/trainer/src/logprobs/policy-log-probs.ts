import type { InferenceSession } from "onnxruntime-node";
import type { TrainPair } from "../data/read-pairs.js";
import type { FloatType } from "../models/model-family.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { withWeights } from "../train/checkpoint.js";
import { LogProbSession } from "./log-prob-session.js";
import { type PairLogProbs, pairLogProbs } from "./pair-log-probs.js";

/**
 * Log-probs of pairs under the current training weights: a log-prob graph of the model with those weights
 * (in their own precision), opened for this call and released, batched as the reference was so
 * that the rewards at step 0 are exactly 0.
 *
 * @example
 * ```ts
 * const policy = await policyLogProbs(model, session.weights, held, { batchSize: 8, dtype: "float32" });
 * ```
 */
export async function policyLogProbs(
  base: PretrainedModel,
  weights: ReadonlyMap<string, Float32Array | Float64Array>,
  pairs: readonly TrainPair[],
  options: { batchSize: number; dtype: FloatType; sessionOptions?: InferenceSession.SessionOptions },
): Promise<PairLogProbs> {
  const model = withWeights(base, weights);
  const session = await LogProbSession.create(model, options.sessionOptions ?? {}, { dtype: options.dtype });
  try {
    return await pairLogProbs(session, model, pairs, options.batchSize);
  } finally {
    await session.release();
  }
}
