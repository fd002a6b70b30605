import type { InferenceSession } from "onnxruntime-node";
import type { TrainPair } from "../data/read-pairs.js";
import { type PairLogProbs, pairLogProbs } from "../logprobs/pair-log-probs.js";
import type { FloatType } from "../models/model-family.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { WeightMap } from "../safetensors/tensor.js";
import type { FloatArray } from "../train-step/training-state.js";
import type { LoraConfig } from "./lora-config.js";
import { LoraLogProbSession } from "./lora-log-prob-session.js";

/**
 * The adapter tensors of a LoRA training session's weights (A [r, in], B [out, r] by PEFT name), shapes
 * taken from r and each array's length; the arrays are shared, not copied.
 *
 * @example
 * ```ts
 * const adapter = adapterWeights(config, session.weights);
 * ```
 */
export function adapterWeights(config: LoraConfig, weights: ReadonlyMap<string, FloatArray>): WeightMap {
  const out: WeightMap = new Map();
  for (const [name, data] of weights) {
    const isA = name.endsWith("lora_A.weight");
    out.set(name, {
      shape: isA ? [config.r, data.length / config.r] : [data.length / config.r, config.r],
      data,
    });
  }
  return out;
}

/**
 * Log-probs of pairs under the base model with LoRA adapters (`scale` 1, the default) or with them
 * switched off (`scale` 0: the base model, bit for bit), from a LoRA log-prob graph opened for this call and
 * released, batched as the reference was so that the rewards at step 0 are 0.
 *
 * @example
 * ```ts
 * const policy = await loraPolicyLogProbs(base, config, session.weights, held, { batchSize: 8, dtype: "float32" });
 * ```
 */
export async function loraPolicyLogProbs(
  base: PretrainedModel,
  config: LoraConfig,
  adapters: ReadonlyMap<string, FloatArray>,
  pairs: readonly TrainPair[],
  options: {
    batchSize: number;
    dtype: FloatType;
    scale?: number;
    sessionOptions?: InferenceSession.SessionOptions;
  },
): Promise<PairLogProbs> {
  const session = await LoraLogProbSession.create(
    base,
    config,
    adapterWeights(config, adapters),
    options.sessionOptions ?? {},
    { dtype: options.dtype },
  );
  session.scale = options.scale ?? 1;
  try {
    return await pairLogProbs(session, base, pairs, options.batchSize);
  } finally {
    await session.release();
  }
}
