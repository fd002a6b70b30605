import { InferenceSession } from "onnxruntime-node";
import { SequenceTooLongError } from "../models/model-errors.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { encodeModel } from "../onnx/protobuf.js";
import { sessionFromTempFile } from "../onnx/session-from-temp-file.js";
import type { Model } from "../onnx/types.js";
import type { PackedBatch } from "./pack-sequences.js";

/** Default weight bytes above which a log-prob graph is loaded through external data (protobuf's 2 GiB cap). */
export const EXTERNAL_DATA_ABOVE = 2 ** 30;

/**
 * Open a built log-prob graph in onnxruntime-node: from memory when the model's weights take at most
 * `externalDataAbove` bytes, else through a temporary `model.onnx` + external data file (a protobuf message
 * cannot exceed 2 GiB), removed once the session has loaded it.
 *
 * @example
 * ```ts
 * const session = await openLogProbGraph(buildLogProbModel(model), model, {}, undefined, "apo-logprobs-");
 * ```
 */
export async function openLogProbGraph(
  onnx: Model,
  model: PretrainedModel,
  options: InferenceSession.SessionOptions,
  externalDataAbove: number | undefined,
  tempPrefix: string,
): Promise<InferenceSession> {
  let weightBytes = 0;
  for (const t of model.weights.values()) weightBytes += t.data.byteLength;
  if (weightBytes <= (externalDataAbove ?? EXTERNAL_DATA_ABOVE)) {
    return InferenceSession.create(encodeModel(onnx), options);
  }
  return sessionFromTempFile(onnx, options, tempPrefix);
}

/**
 * Throws a {@link SequenceTooLongError} naming the row when a packed row has more real tokens (attention
 * mask ones) than the model's context `maxPositions`.
 *
 * @example
 * ```ts
 * checkPackedLengths(batch, model.config.maxPositions);
 * ```
 */
export function checkPackedLengths(batch: PackedBatch, maxPositions: number): void {
  for (let b = 0; b < batch.batch; b++) {
    let length = 0;
    for (let t = 0; t < batch.seq; t++) length += Number(batch.attentionMask[b * batch.seq + t]);
    if (length > maxPositions) throw new SequenceTooLongError(length, maxPositions, b);
  }
}
