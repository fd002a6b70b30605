import { BatchError, SequenceTooLongError } from "../models/model-errors.js";

/** One (prompt, completion) sequence as token ids. */
export interface PromptCompletion {
  readonly promptIds: readonly number[];
  readonly completionIds: readonly number[];
}

/** A right-padded batch, row-major [batch, seq] int64, as the log-prob graph takes it. */
export interface PackedBatch {
  readonly batch: number;
  readonly seq: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly completionMask: BigInt64Array;
}

/**
 * Concatenate prompt and completion ids per row and right-pad to the longest row with `padId`
 * (attention_mask 0 there); completion_mask marks the completion tokens.
 *
 * @throws SequenceTooLongError when a row exceeds `maxLength`; BatchError on an empty batch or an id
 *   outside [0, vocabSize)
 * @example
 * ```ts
 * const packed = packSequences([{ promptIds: [1, 5], completionIds: [6, 2] }], { padId: 0, maxLength: 512, vocabSize: 259 });
 * ```
 */
export function packSequences(
  rows: readonly PromptCompletion[],
  options: { padId: number; maxLength: number; vocabSize: number },
): PackedBatch {
  if (rows.length === 0) throw new BatchError("empty batch: give at least one sequence");
  const seq = Math.max(...rows.map((r) => r.promptIds.length + r.completionIds.length));
  rows.forEach((r, i) => {
    const length = r.promptIds.length + r.completionIds.length;
    if (length > options.maxLength) throw new SequenceTooLongError(length, options.maxLength, i);
    if (r.promptIds.length === 0)
      throw new BatchError(`sequence ${i} has an empty prompt: the first token has no prediction`);
    for (const id of [...r.promptIds, ...r.completionIds]) {
      if (!Number.isInteger(id) || id < 0 || id >= options.vocabSize) {
        throw new BatchError(
          `sequence ${i} has token id ${id}, outside the vocabulary [0, ${options.vocabSize})`,
        );
      }
    }
  });
  const inputIds = new BigInt64Array(rows.length * seq).fill(BigInt(options.padId));
  const attentionMask = new BigInt64Array(rows.length * seq);
  const completionMask = new BigInt64Array(rows.length * seq);
  rows.forEach((r, b) => {
    const ids = [...r.promptIds, ...r.completionIds];
    ids.forEach((id, t) => {
      inputIds[b * seq + t] = BigInt(id);
      attentionMask[b * seq + t] = 1n;
      if (t >= r.promptIds.length) completionMask[b * seq + t] = 1n;
    });
  });
  return { batch: rows.length, seq, inputIds, attentionMask, completionMask };
}
