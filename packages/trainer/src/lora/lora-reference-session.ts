import type { InferenceSession } from "onnxruntime-node";
import type { FloatType } from "../float-type.js";
import { LogProbSession } from "../logprobs/log-prob-session.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import type { WeightMap } from "../safetensors/tensor.js";
import type { LoraConfig } from "./lora-config.js";
import { LORA_SCALE_INPUT } from "./lora-graph.js";
import { loraSessionOptions } from "./lora-session-options.js";

/**
 * A log-prob session of a LoRA training step's forward with the adapters switched off: the LoRA graph (base
 * weights as initializers, adapters as inputs, dense layers in the form `expectedSequenceLength` picks)
 * opened with the training step's session options (`loraSessionOptions` too), fed `adapters` and `lora_scale` = 0. Its log-probs are
 * the base model's, computed by the very arithmetic of the training step, so a LoRA run's first step (B = 0)
 * sees rewards of exactly 0 (TRL's PEFT reference: the policy with its adapters disabled).
 *
 * ```text
 * y = x·Wᵀ + (0 · s)·(x·Aᵀ)·Bᵀ = x·Wᵀ   for every wrapped layer
 * ```
 *
 * @example
 * ```ts
 * const session = await openLoraReferenceSession(base, { config, adapters }, {}, "float32", 96);
 * const rows = await session.runPacked(batch); // the base model's log-probs
 * ```
 */
export function openLoraReferenceSession(
  model: PretrainedModel,
  lora: { readonly config: LoraConfig; readonly adapters: WeightMap },
  sessionOptions: InferenceSession.SessionOptions,
  dtype: FloatType,
  expectedSequenceLength: number,
): Promise<LogProbSession> {
  // The training form's session feeds every graph input it finds among the model's tensors.
  const fed: WeightMap = new Map([
    ...model.weights,
    ...lora.adapters,
    [LORA_SCALE_INPUT, { shape: [], data: dtype === "float64" ? new Float64Array(1) : new Float32Array(1) }],
  ]);
  return LogProbSession.create({ ...model, weights: fed }, loraSessionOptions(sessionOptions), {
    dtype,
    lora: lora.config,
    trainable: new Set<string>(),
    expectedSequenceLength,
  });
}
