import type { TrainPair } from "./read-pairs.js";

/**
 * The padded length that the run's batches mostly have, for the training graph's form
 * (`expectedSequenceLength`): a batch is padded to its longest row, so the 90th percentile of the row
 * lengths (prompt + completion, chosen and rejected rows alike). 0 without rows.
 *
 * ```text
 * typicalBatchLength = L₍⌈0.9·n⌉₎ of the sorted lengths L₍₁₎ ≤ … ≤ L₍ₙ₎
 * ```
 *
 * @example
 * ```ts
 * const length = typicalBatchLength(pairs); // e.g. 187
 * ```
 */
export function typicalBatchLength(pairs: readonly TrainPair[]): number {
  const lengths = pairs
    .flatMap((p) => [p.chosen, p.rejected])
    .map((r) => r.promptIds.length + r.completionIds.length)
    .sort((a, b) => a - b);
  if (lengths.length === 0) return 0;
  return lengths[Math.ceil(0.9 * lengths.length) - 1] as number;
}
