import { InferenceSession } from "onnxruntime-node";
import type { FloatType } from "../models/model-family.js";
import { encodeModel } from "../onnx/protobuf.js";
import type { Model } from "../onnx/types.js";

/**
 * Session options every training graph gets unless the caller overrides them.
 *
 * - `enableMemPattern: false`: with the memory pattern, onnxruntime lays out each run's intermediates in
 *   one fresh block, and a training step's block (the forward activations kept for the backward, GBs at
 *   batch 8 × 512) was page-faulted in anew on every run: 450k minor faults and about 7 % of the step on
 *   the development machine. Without it the arena reuses its chunks from run to run (about 40 faults).
 *
 * @example
 * ```ts
 * await InferenceSession.create(bytes, { ...TRAINING_SESSION_DEFAULTS });
 * ```
 */
export const TRAINING_SESSION_DEFAULTS: Readonly<InferenceSession.SessionOptions> = {
  enableMemPattern: false,
};

/**
 * Opens a training graph in onnxruntime-node with {@link TRAINING_SESSION_DEFAULTS}. float64 graphs get only
 * the basic optimisations: the extended fusions (e.g. SiLU → QuickGelu) have float32-only kernels.
 */
export function openTrainingSession(
  model: Model,
  dtype: FloatType,
  sessionOptions: InferenceSession.SessionOptions = {},
): Promise<InferenceSession> {
  const exact: InferenceSession.SessionOptions =
    dtype === "float64" ? { graphOptimizationLevel: "basic" } : {};
  return InferenceSession.create(encodeModel(model), {
    ...TRAINING_SESSION_DEFAULTS,
    ...exact,
    ...sessionOptions,
  });
}
