import { Tensor as OrtTensor } from "onnxruntime-node";
import { LOG_PROB_IO } from "./build-log-prob-graph.js";
import type { PackedBatch } from "./pack-sequences.js";

/**
 * The token inputs every log-prob and training graph takes, from a packed batch: `input_ids`,
 * `attention_mask` and `completion_mask`, int64 [batch, seq], over the batch's own arrays (no copy).
 *
 * @example
 * ```ts
 * const out = await session.run({ ...packedFeeds(packSequences(rows, options)) });
 * ```
 */
export function packedFeeds(batch: PackedBatch): Record<string, OrtTensor> {
  const dims = [batch.batch, batch.seq];
  return {
    [LOG_PROB_IO.inputIds]: new OrtTensor("int64", batch.inputIds, dims),
    [LOG_PROB_IO.attentionMask]: new OrtTensor("int64", batch.attentionMask, dims),
    [LOG_PROB_IO.completionMask]: new OrtTensor("int64", batch.completionMask, dims),
  };
}
