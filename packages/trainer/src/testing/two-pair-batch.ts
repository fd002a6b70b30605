import { type PackedBatch, packSequences } from "../logprobs/pack-sequences.js";
import type { PretrainedModel } from "../models/pretrained-model.js";

/** Two preference pairs as a training step takes them: the chosen rows first, then the rejected rows. */
export const TWO_PAIR_ROWS = [
  { promptIds: [1, 40, 50], completionIds: [70, 80, 2] },
  { promptIds: [1, 9], completionIds: [100, 101, 102, 2] },
  { promptIds: [1, 40, 50], completionIds: [71, 2] },
  { promptIds: [1, 9], completionIds: [103, 2] },
] as const;

/**
 * {@link TWO_PAIR_ROWS} packed for `model` (pad id 0, its context as the length bound), for the training-step
 * tests.
 *
 * @example
 * ```ts
 * const out = await session.step(twoPairBatch(model), [0, 0, 0, 0], 0);
 * ```
 */
export function twoPairBatch(model: PretrainedModel): PackedBatch {
  return packSequences(
    TWO_PAIR_ROWS.map((r) => ({ promptIds: [...r.promptIds], completionIds: [...r.completionIds] })),
    { padId: 0, maxLength: model.config.maxPositions, vocabSize: model.config.vocabSize },
  );
}
