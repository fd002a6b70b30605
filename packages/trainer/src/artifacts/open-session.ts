import { InferenceSession } from "onnxruntime-node";
import { encodeModel } from "../onnx/protobuf.js";
import type { Model } from "../onnx/types.js";
import type { LossDtype } from "./graph-loss-math.js";

/**
 * Opens a training graph in onnxruntime-node. float64 graphs get only the basic optimisations: the extended
 * fusions (e.g. SiLU → QuickGelu) have float32-only kernels.
 */
export function openTrainingSession(
  model: Model,
  dtype: LossDtype,
  sessionOptions: InferenceSession.SessionOptions = {},
): Promise<InferenceSession> {
  const exact: InferenceSession.SessionOptions =
    dtype === "float64" ? { graphOptimizationLevel: "basic" } : {};
  return InferenceSession.create(encodeModel(model), { ...exact, ...sessionOptions });
}
