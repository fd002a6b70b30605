import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferenceSession } from "onnxruntime-node";
import { type WriteModelOptions, writeModel } from "./model-file.js";
import type { Model } from "./types.js";

/**
 * Opens a graph in onnxruntime-node through a temporary folder holding `model.onnx` and its external data,
 * removed once the session has loaded it (onnxruntime keeps what it mapped; a failed removal is ignored):
 * for graphs beyond protobuf's 2 GiB, or whose weights onnxruntime should map rather than copy.
 *
 * @example
 * ```ts
 * const session = await sessionFromTempFile(model, {}, "apo-logprobs-", { align: 4096 });
 * ```
 */
export async function sessionFromTempFile(
  model: Model,
  options: InferenceSession.SessionOptions,
  tempPrefix: string,
  externalData: NonNullable<WriteModelOptions["externalData"]> = {},
): Promise<InferenceSession> {
  const dir = await mkdtemp(join(tmpdir(), tempPrefix));
  try {
    const file = join(dir, "model.onnx");
    await writeModel(file, model, { externalData });
    return await InferenceSession.create(file, options);
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
